# Writes OUT, a C++ file returning the text of IN (docs/openapi.json) from openapi_document().
if(EXISTS ${IN})
  file(READ ${IN} content)
else()
  set(content "{}")
endif()
file(WRITE ${OUT} "// Generated from docs/openapi.json by cmake/embed_openapi.cmake; do not edit.\n"
  "#include \"node/api.h\"\nnamespace tanso {\nstd::string_view openapi_document() {\n"
  "  static const char kDoc[] = R\"TANSO_OPENAPI(${content})TANSO_OPENAPI\";\n"
  "  return {kDoc, sizeof kDoc - 1};\n}\n}  // namespace tanso\n")
