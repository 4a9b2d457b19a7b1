# Writes OUT, a C++ file with the sample ETS disclosure files of samples/ets (DIR) as byte arrays,
# for the demo genesis (node/demo_genesis.cpp): demo_ets_sample("ngms_2018.csv") etc. Embedded so
# `tanso genesis demo` works from any directory, without the source tree.
set(body "")
set(cases "")
set(i 0)
foreach(name ngms_2018.csv etrs_2018.tsv companies.json)
  file(READ ${DIR}/${name} hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(LENGTH "${hex}" n)
  math(EXPR n "${n} / 2")
  string(APPEND body "const unsigned char kSample${i}[] = {${bytes}0};\n")
  string(APPEND cases "  if (name == \"${name}\") return {reinterpret_cast<const char*>(kSample${i}), ${n}};\n")
  math(EXPR i "${i} + 1")
endforeach()
file(WRITE ${OUT}.tmp "// Generated from samples/ets by cmake/embed_ets_samples.cmake; do not edit.\n"
  "#include <string_view>\nnamespace tanso {\nnamespace {\n${body}}  // namespace\n"
  "std::string_view demo_ets_sample(std::string_view name) {\n${cases}  return {};\n}\n"
  "}  // namespace tanso\n")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT}.tmp)
