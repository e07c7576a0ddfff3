# Helpers that keep each module's CMakeLists.txt to a few lines.

# weir_module(NAME SOURCES ... DEPS ... TESTS ...)
# Builds library weir_NAME; its tests (gtest) become one binary NAME_test whose
# cases are named "NAME.Suite.Case", so `ctest -R NAME` runs one module.
function(weir_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;TESTS" ${ARGN})
  add_library(weir_${name} STATIC ${M_SOURCES})
  target_include_directories(weir_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(weir_${name} PUBLIC ${M_DEPS})
  if(M_TESTS AND BUILD_TESTING)
    add_executable(${name}_test ${M_TESTS})
    target_link_libraries(${name}_test PRIVATE weir_${name} GTest::gtest_main)
    target_compile_definitions(${name}_test PRIVATE
      WEIR_SOURCE_DIR="${PROJECT_SOURCE_DIR}" WEIR_SHARED_DIR="${PROJECT_SOURCE_DIR}/../shared")
    gtest_discover_tests(${name}_test TEST_PREFIX "${name}." DISCOVERY_MODE PRE_TEST
      PROPERTIES LABELS unit)
  endif()
endfunction()

# weir_fuzz(NAME SOURCE file DEPS ...)
# A fuzz target defines LLVMFuzzerTestOneInput. With WEIR_LIBFUZZER it links
# libFuzzer; otherwise it links a replay main, and ctest replays the committed
# corpus fuzz/corpus/NAME under whatever sanitizers the build uses.
function(weir_fuzz name)
  cmake_parse_arguments(M "" "SOURCE" "DEPS" ${ARGN})
  if(WEIR_LIBFUZZER)
    add_executable(fuzz_${name} ${M_SOURCE})
    target_compile_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
    target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
  else()
    add_executable(fuzz_${name} ${M_SOURCE} ${PROJECT_SOURCE_DIR}/fuzz/replay_main.cc)
  endif()
  target_link_libraries(fuzz_${name} PRIVATE ${M_DEPS})
  if(BUILD_TESTING AND NOT WEIR_LIBFUZZER)
    add_test(NAME fuzz.${name} COMMAND fuzz_${name} ${PROJECT_SOURCE_DIR}/fuzz/corpus/${name})
    set_tests_properties(fuzz.${name} PROPERTIES LABELS fuzz)
  endif()
endfunction()

# weir_benchmark(NAME SOURCE file DEPS ...): a Google Benchmark program.
function(weir_benchmark name)
  cmake_parse_arguments(M "" "SOURCE" "DEPS" ${ARGN})
  if(WEIR_BENCHMARKS)
    add_executable(${name} ${M_SOURCE})
    target_link_libraries(${name} PRIVATE ${M_DEPS} benchmark::benchmark)
  endif()
endfunction()
