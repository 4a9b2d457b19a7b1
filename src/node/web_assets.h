// The dashboard's static files, served by tansod: index.html at "/" and "/docs" (the app reads
// its route from the path or the hash) and the built bundle under "/assets/{file}". Files are
// read once at start-up from the web directory (`web_dir`, normally web/dist), so a request
// never touches the file system: only names present then can be served, and a name is one
// path segment of [A-Za-z0-9._-] not starting with a dot — no traversal is expressible.
#pragma once

#include <map>
#include <string>

#include "http/server.h"

namespace tanso {

struct WebAssets {
  std::string index;                          // index.html, empty when there is none
  std::map<std::string, std::string> assets;  // file name under assets/ -> contents
  std::string error;                          // why loading failed (also logged), or empty
};

// Reads dir/index.html and dir/assets/*; at most 64 MiB in all. An empty dir gives no assets.
WebAssets load_web_assets(const std::string& dir);

// Content-Type for an asset name by its extension ("application/octet-stream" if unknown).
std::string asset_content_type(const std::string& name);

// Routes "/", "/docs" and "/assets/{file}"; without an index.html, "/" answers a short page
// that links the API.
void register_web_routes(http::Server& s, const WebAssets& web);

}  // namespace tanso
