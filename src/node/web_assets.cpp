// The dashboard's static files (see web_assets.h).
#include "node/web_assets.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace tanso {

namespace {

constexpr size_t kMaxWebBytes = 64u << 20;

bool plain_name(const std::string& n) {
  if (n.empty() || n.size() > 128 || n[0] == '.') return false;
  for (char c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'))
      return false;
  return true;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The dashboard loads nothing from elsewhere: scripts, styles, fetches and the event stream
// all come from this node; it may not be framed.
constexpr const char* kCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

void secure(http::Response& r) {
  r.headers.emplace_back("Content-Security-Policy", kCsp);
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
}

}  // namespace

std::string asset_content_type(const std::string& name) {
  auto ends = [&](std::string_view s) {
    return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
  };
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  if (ends(".woff2")) return "font/woff2";
  if (ends(".json")) return "application/json";
  if (ends(".txt")) return "text/plain; charset=utf-8";
  if (ends(".html")) return "text/html; charset=utf-8";
  return "application/octet-stream";
}

WebAssets load_web_assets(const std::string& dir) {
  WebAssets w;
  if (dir.empty()) return w;
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path root(dir);
  if (!fs::is_regular_file(root / "index.html", ec)) {
    w.error = "no index.html in " + dir + " (build the dashboard: make web)";
    return w;
  }
  size_t total = 0;
  w.index = slurp(root / "index.html");
  total += w.index.size();
  fs::path assets = root / "assets";
  if (fs::is_directory(assets, ec)) {
    for (const auto& e : fs::directory_iterator(assets, ec)) {
      std::string name = e.path().filename().string();
      if (!e.is_regular_file(ec) || !plain_name(name)) continue;
      std::string body = slurp(e.path());
      total += body.size();
      if (total > kMaxWebBytes) {
        w.error = "the dashboard in " + dir + " is larger than 64 MiB; not served";
        w.index.clear();
        w.assets.clear();
        return w;
      }
      w.assets.emplace(std::move(name), std::move(body));
    }
  }
  return w;
}

void register_web_routes(http::Server& s, const WebAssets& web) {
  auto page = [index = web.index](const http::Request&) {
    http::Response r;
    r.content_type = "text/html; charset=utf-8";
    r.body = index;
    if (r.body.empty())
      r.body =
          "<!doctype html><meta charset=utf-8><title>Tanso</title><h1>Tanso node</h1>"
          "<p>API: <a href=/v1/status>/v1/status</a>, <a href=/v1/openapi.json>OpenAPI</a>, "
          "<a href=/metrics>metrics</a>. The dashboard is not built (make web).</p>";
    r.headers.emplace_back("Cache-Control", "no-cache");
    secure(r);
    return r;
  };
  s.route("GET", "/", page);
  s.route("GET", "/docs", page);
  s.route("GET", "/assets/{file}", [assets = web.assets](const http::Request& req) {
    auto it = assets.find(req.params.at("file"));
    if (it == assets.end())
      return http::error_response(404, "web.not_found", "no such dashboard file");
    http::Response r;
    r.content_type = asset_content_type(it->first);
    r.body = it->second;
    // Bundle names carry a content hash: a changed file has a new name.
    r.headers.emplace_back("Cache-Control", "public, max-age=31536000, immutable");
    secure(r);
    return r;
  });
}

}  // namespace tanso
