# SPDX-License-Identifier: MIT
# Runs the README's plain compiler line, exactly as written there, against a fresh
# install of BUILD: installs into WORK/prefix, copies the example the README names as
# my_net.cpp, runs the line with PREFIX set, then runs the program it built.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD} --prefix ${WORK}/prefix RESULT_VARIABLE r OUTPUT_QUIET)
if(NOT r EQUAL 0)
  message(FATAL_ERROR "cmake --install failed")
endif()
file(STRINGS ${README} lines REGEX "^g\\+\\+ -std=c\\+\\+20 .*-ltypegrad_support")
list(LENGTH lines count)
if(NOT count EQUAL 1)
  message(FATAL_ERROR "README.md should hold exactly one plain compiler line (g++ -std=c++20 ... -ltypegrad_support), found ${count}")
endif()
configure_file(${EXAMPLE} ${WORK}/my_net.cpp COPYONLY)
message(STATUS "running: PREFIX=${WORK}/prefix ${lines}")
execute_process(COMMAND ${CMAKE_COMMAND} -E env PREFIX=${WORK}/prefix sh -c "${lines}"
                WORKING_DIRECTORY ${WORK} RESULT_VARIABLE r)
if(NOT r EQUAL 0)
  message(FATAL_ERROR "the README's compiler line failed")
endif()
execute_process(COMMAND ${WORK}/my_net WORKING_DIRECTORY ${WORK} RESULT_VARIABLE r)
if(NOT r EQUAL 0)
  message(FATAL_ERROR "the program built by the README's compiler line failed (${r})")
endif()
