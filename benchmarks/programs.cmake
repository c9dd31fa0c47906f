# Programs of the side-by-side comparison (scripts/bench-compare runs them):
#  - rdkafka_produce: the librdkafka peer of rawproduce, sending rawproduce's own records
#    (rawproduce_core's PayloadPool); built only when librdkafka is found;
#  - rdkafka_consume: the librdkafka peer of rawconsume (bench-compare --consume), in C;
#  - null_sink: a Kafka-speaking sink that acknowledges Produce and stores nothing, to measure a
#    client's own ceiling (a measuring instrument, never a stand-in for Kafka in a test);
#  - loopback_bandwidth: plain TCP send/recv over 127.0.0.1, the raw limit of this machine.
function(rawkafka_bench_program name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(${name} PRIVATE rawkafka_build_flags Threads::Threads ${ARG_LIBS})
endfunction()

if(RDKAFKA_FOUND AND TARGET rawproduce_core)
  rawkafka_bench_program(rdkafka_produce SOURCES rdkafka_produce.cpp LIBS PkgConfig::RDKAFKA rawproduce_core)
elseif(NOT RDKAFKA_FOUND)
  message(STATUS "librdkafka not found: benchmarks/rdkafka_produce is not built")
else()
  message(STATUS "tools/rawproduce is not built: benchmarks/rdkafka_produce (which sends its records) is not built")
endif()
# rdkafka_consume is C (it needs nothing of ours), so it takes C warnings of its own:
# rawkafka_build_flags carries C++-only ones (-Wnon-virtual-dtor) that a C compile rejects.
if(RDKAFKA_FOUND)
  add_executable(rdkafka_consume rdkafka_consume.c)
  set_target_properties(rdkafka_consume PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
  target_compile_options(rdkafka_consume PRIVATE -Wall -Wextra -Wpedantic -Wshadow
    $<$<BOOL:${RAWKAFKA_WERROR}>:-Werror>)
  target_link_libraries(rdkafka_consume PRIVATE PkgConfig::RDKAFKA)
endif()
file(GLOB NULL_SINK_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/null_sink/*.cpp)
rawkafka_bench_program(null_sink SOURCES null_sink.cpp ${NULL_SINK_SOURCES} LIBS rawkafka::protocol)
rawkafka_bench_program(loopback_bandwidth SOURCES loopback_bandwidth.cpp)
# bench_producer drives the producer's hot path against an in-process null sink.
if(TARGET bench_producer)
  target_sources(bench_producer PRIVATE ${NULL_SINK_SOURCES})
  target_include_directories(bench_producer PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(bench_producer PRIVATE Threads::Threads)
endif()
