# SPDX-License-Identifier: MIT
# Compiles SOURCE and passes when the compilation fails with every regular
# expression in EXPECT (a ;-list) present in the compiler's output.
execute_process(
  COMMAND ${CXX} -std=c++20 -fsyntax-only ${INCLUDES} ${SOURCE}
  RESULT_VARIABLE result
  OUTPUT_VARIABLE out
  ERROR_VARIABLE out)
if(result EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but it must not")
endif()
foreach(pattern IN LISTS EXPECT)
  if(NOT out MATCHES "${pattern}")
    message(FATAL_ERROR "the diagnostic for ${SOURCE} lacks '${pattern}':\n${out}")
  endif()
endforeach()
message(STATUS "${SOURCE} fails to compile, as it must, with: ${EXPECT}")
