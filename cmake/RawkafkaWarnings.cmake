# Warnings on everywhere; errors when RAWKAFKA_WERROR is set (CI and scripts/test set it).
add_library(rawkafka_build_flags INTERFACE)
target_compile_options(rawkafka_build_flags INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Woverloaded-virtual
  $<$<BOOL:${RAWKAFKA_WERROR}>:-Werror>)
if(RAWKAFKA_SANITIZE)
  target_compile_options(rawkafka_build_flags INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(rawkafka_build_flags INTERFACE -fsanitize=address,undefined)
endif()
if(RAWKAFKA_SANITIZE_THREAD)
  # -Wno-tsan: GCC warns that TSan does not model std::atomic_thread_fence. The producer's wake
  # handshake fences only for store->load ordering, which no race detector checks; the records
  # themselves pass through release/acquire pairs that TSan does follow.
  target_compile_options(rawkafka_build_flags INTERFACE -fsanitize=thread -fno-omit-frame-pointer
    $<$<CXX_COMPILER_ID:GNU>:-Wno-tsan>)
  target_link_options(rawkafka_build_flags INTERFACE -fsanitize=thread)
endif()
if(RAWKAFKA_FUZZ)
  target_compile_options(rawkafka_build_flags INTERFACE -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  target_link_options(rawkafka_build_flags INTERFACE -fsanitize=address,undefined)
endif()
install(TARGETS rawkafka_build_flags EXPORT rawkafkaTargets)

# Declares a rawkafka library target: rawkafka_<name>, exported as rawkafka::<name>.
# Headers live in <name>/include/rawkafka/<name>/, sources in <name>/src/.
function(rawkafka_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_LIBS;PRIVATE_LIBS" ${ARGN})
  add_library(rawkafka_${name} ${ARG_SOURCES})
  add_library(rawkafka::${name} ALIAS rawkafka_${name})
  set_target_properties(rawkafka_${name} PROPERTIES EXPORT_NAME ${name} OUTPUT_NAME rawkafka_${name})
  target_include_directories(rawkafka_${name} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(rawkafka_${name} PUBLIC ${ARG_PUBLIC_LIBS} PRIVATE rawkafka_build_flags ${ARG_PRIVATE_LIBS})
  install(TARGETS rawkafka_${name} EXPORT rawkafkaTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(DIRECTORY include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endfunction()
