# Warnings are errors in our own code; third-party headers come in as SYSTEM includes.
add_library(pgw_options INTERFACE)
target_compile_options(pgw_options INTERFACE
  -Wall -Wextra -Wpedantic -Werror -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Wunused -Woverloaded-virtual -Wimplicit-fallthrough
  -Wno-missing-field-initializers)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # Plain -Wshadow in g++ 12 flags enumerators of different scoped enums as shadowing each other.
  target_compile_options(pgw_options INTERFACE -Wshadow=local)
  # g++ 12 reports false positives in Asio's and fmt's headers under -O2 (known GCC bugs).
  target_compile_options(pgw_options INTERFACE -Wno-maybe-uninitialized -Wno-dangling-reference
    -Wno-array-bounds -Wno-stringop-overflow -Wno-restrict -Wno-mismatched-new-delete)
  target_compile_options(pgw_options INTERFACE $<$<COMPILE_LANGUAGE:CXX>:-fcoroutines>)
else()
  target_compile_options(pgw_options INTERFACE -Wshadow)
endif()
target_include_directories(pgw_options INTERFACE ${PROJECT_SOURCE_DIR}/src)

if(PGW_SANITIZE)
  target_compile_options(pgw_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
    -fno-sanitize-recover=undefined)
  target_link_options(pgw_options INTERFACE -fsanitize=address,undefined)
endif()

if(PGW_FUZZ)
  # Every library of a fuzz build gets coverage instrumentation and ASan + UBSan (UB aborts, so
  # the fuzzer sees it); the fuzz targets add -fsanitize=fuzzer (libFuzzer's main) themselves.
  target_compile_options(pgw_options INTERFACE -fsanitize=fuzzer-no-link,address,undefined
    -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(pgw_options INTERFACE -fsanitize=address,undefined)
endif()
