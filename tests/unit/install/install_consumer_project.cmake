# Run by CTest (cmake -P): install, then build and run the outside project against the install.
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
set(build ${WORK_DIR}/build)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    list(JOIN ARGN " " command)
    message(FATAL_ERROR "failed (${result}): ${command}")
  endif()
endfunction()

run(${CMAKE_COMMAND} --install ${RAWKAFKA_BUILD_DIR} --prefix ${prefix})
run(${CMAKE_COMMAND} -S ${CONSUMER_SOURCE_DIR} -B ${build} -G ${GENERATOR}
    -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_BUILD_TYPE=${BUILD_TYPE}
    -DCMAKE_PREFIX_PATH=${prefix})
run(${CMAKE_COMMAND} --build ${build})
execute_process(COMMAND ${build}/roundtrip RESULT_VARIABLE result OUTPUT_VARIABLE output)
message(STATUS "roundtrip: ${output}")
if(NOT result EQUAL 0 OR NOT output MATCHES "round trip ok, crc32c ok")
  message(FATAL_ERROR "the outside project failed against the installed rawkafka (exit ${result})")
endif()
