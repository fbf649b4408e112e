# SPDX-License-Identifier: MIT
# Runs a command and checks its exit status and, optionally, its last line of output:
#   cmake -DCOMMAND=<exe> "-DARGS=<arguments, space-separated>" -DEXPECT=<status>
#         [-DLAST_LINE=<regex>] [-DSTDOUT=<regex>] [-DSTDERR=<regex>] -P expect_exit.cmake
# ctest's PASS_REGULAR_EXPRESSION alone would ignore the exit status.
separate_arguments(args UNIX_COMMAND "${ARGS}")
execute_process(COMMAND ${COMMAND} ${args}
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}")
message("stderr: ${err}")
if(NOT "${status}" STREQUAL "${EXPECT}")
  message(FATAL_ERROR "exit status ${status}, expected ${EXPECT}")
endif()
if(DEFINED LAST_LINE)
  string(REGEX REPLACE "\n$" "" trimmed "${out}")
  string(REGEX REPLACE "^.*\n" "" last "${trimmed}")
  if(NOT last MATCHES "${LAST_LINE}")
    message(FATAL_ERROR "last line '${last}' does not match '${LAST_LINE}'")
  endif()
endif()
if(DEFINED STDOUT AND NOT out MATCHES "${STDOUT}")
  message(FATAL_ERROR "stdout does not match '${STDOUT}'")
endif()
if(DEFINED STDERR AND NOT err MATCHES "${STDERR}")
  message(FATAL_ERROR "stderr does not match '${STDERR}'")
endif()
