# SPDX-License-Identifier: MIT
# The helpers the ctest scenario scripts share (tests/examples/trainer.cmake,
# tests/distributed/distributed.cmake): run a command and check its exit status, and
# check what it printed or wrote.

# run_command(<expected status> <output variable> command...): runs it and fails unless
# its exit status is the expected one ("nonzero": any failure); the output variable gets
# standard output followed by standard error.
function(run_command expect out)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE o ERROR_VARIABLE e)
  message("$ ${ARGN}\n${o}stderr: ${e}")
  if(expect STREQUAL "nonzero")
    if("${status}" STREQUAL "0")
      message(FATAL_ERROR "exit status 0, expected a failure")
    endif()
  elseif(NOT "${status}" STREQUAL "${expect}")
    message(FATAL_ERROR "exit status ${status}, expected ${expect}")
  endif()
  set(${out} "${o}${e}" PARENT_SCOPE)
endfunction()

function(expect_match text regex)
  if(NOT text MATCHES "${regex}")
    message(FATAL_ERROR "output does not match '${regex}'")
  endif()
endfunction()

# expect_same_bytes(<file> <file> <message>): fails with the message unless they are equal.
function(expect_same_bytes a b message)
  file(SHA256 ${a} ha)
  file(SHA256 ${b} hb)
  if(NOT ha STREQUAL hb)
    message(FATAL_ERROR "${message}")
  endif()
endfunction()
