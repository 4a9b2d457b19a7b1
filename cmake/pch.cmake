# Precompiled headers for the targets with many sources. Nearly every file includes core/tx.h,
# hence nlohmann/json, which costs ~2 s of front-end time per file at -O2; precompiled once per
# target, the release, asan-ubsan and fuzz builds each save about a minute on 2 cores (the
# default test run builds all three). TANSO_PCH=OFF turns it off (e.g. to check that every file
# includes what it uses).
option(TANSO_PCH "Precompile common headers for the larger targets" ON)
function(tanso_pch target)
  if(TANSO_PCH)
    target_precompile_headers(${target} PRIVATE <nlohmann/json.hpp> <map> <optional> <string>
      <string_view> <vector> ${ARGN})
  endif()
endfunction()
