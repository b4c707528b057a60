# pgw_module(NAME DEPS ...): a static library from every .cpp in src/NAME.
# Each DEPS entry is one arrow of the dependency graph in docs/architecture.md.
function(pgw_module name)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  list(FILTER sources EXCLUDE REGEX "/main\\.cpp$")
  if(sources)
    add_library(pgw_${name} STATIC ${sources})
    target_link_libraries(pgw_${name} PUBLIC pgw_options ${ARG_DEPS})
  else()
    add_library(pgw_${name} INTERFACE)
    target_link_libraries(pgw_${name} INTERFACE pgw_options ${ARG_DEPS})
  endif()
endfunction()

# pgw_unit_tests(MODULE DEPS ...): one gtest binary from tests/unit/MODULE/*.cpp, label "unit".
function(pgw_unit_tests module)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${module}/*.cpp)
  if(NOT sources)
    return()
  endif()
  add_executable(unit_${module} ${sources})
  target_link_libraries(unit_${module} PRIVATE pgw_${module} ${ARG_DEPS} GTest::gtest GTest::gmock
    GTest::gtest_main)
  target_compile_definitions(unit_${module} PRIVATE
    PGW_TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/tests/data")
  gtest_discover_tests(unit_${module} PROPERTIES LABELS unit DISCOVERY_TIMEOUT 60)
endfunction()
