// The dashboard's static files (node/web_assets): what is loaded from the web directory, what is
// served and with which headers, and that nothing outside the loaded names can be reached —
// traversal, hidden files, encoded slashes, oversized names.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "node/web_assets.h"

namespace tanso {
namespace {

namespace fs = std::filesystem;

void write(const fs::path& p, const std::string& s) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << s;
}

struct WebDir : ::testing::Test {
  fs::path dir = fs::temp_directory_path() / ("tanso-web-" + std::to_string(::getpid()));
  void SetUp() override {
    fs::remove_all(dir);
    write(dir / "dist/index.html", "<!doctype html><div id=app></div>");
    write(dir / "dist/assets/app-ABC123.js", "console.log(1)");
    write(dir / "dist/assets/app-DEF456.css", "body{}");
    write(dir / "dist/assets/.hidden", "secret");
    write(dir / "dist/assets/sub/inner.js", "nested");
    write(dir / "dist/secret.json", "{\"seed\":\"x\"}");
    write(dir / "outside.txt", "outside");
  }
  void TearDown() override { fs::remove_all(dir); }
  http::Response get(http::Server& s, const std::string& target) {
    http::Request r;
    r.method = "GET";
    r.target = target;
    return s.dispatch(r);
  }
};

TEST_F(WebDir, LoadsIndexAndPlainAssetNamesOnly) {
  WebAssets w = load_web_assets((dir / "dist").string());
  EXPECT_EQ(w.error, "");
  EXPECT_EQ(w.index, "<!doctype html><div id=app></div>");
  ASSERT_EQ(w.assets.size(), 2u);
  EXPECT_EQ(w.assets.at("app-ABC123.js"), "console.log(1)");
  EXPECT_TRUE(w.assets.count("app-DEF456.css"));
}

TEST_F(WebDir, MissingDirectoryOrIndexIsAnErrorNotACrash) {
  EXPECT_EQ(load_web_assets("").error, "");
  WebAssets w = load_web_assets((dir / "nope").string());
  EXPECT_NE(w.error.find("no index.html"), std::string::npos);
  EXPECT_TRUE(w.index.empty());
  EXPECT_TRUE(w.assets.empty());
}

TEST_F(WebDir, ServesPagesAndAssetsWithTypesCachingAndCsp) {
  http::Server s(http::Options{});
  register_web_routes(s, load_web_assets((dir / "dist").string()));
  for (const char* page : {"/", "/docs"}) {
    http::Response r = get(s, page);
    EXPECT_EQ(r.status, 200) << page;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
    EXPECT_EQ(r.body, "<!doctype html><div id=app></div>");
    EXPECT_EQ(r.header("Cache-Control"), "no-cache");
    EXPECT_NE(r.header("Content-Security-Policy").find("script-src 'self'"), std::string::npos);
    EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff");
  }
  http::Response js = get(s, "/assets/app-ABC123.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(js.body, "console.log(1)");
  EXPECT_NE(js.header("Cache-Control").find("immutable"), std::string::npos);
  EXPECT_EQ(get(s, "/assets/app-DEF456.css").content_type, "text/css; charset=utf-8");
}

TEST_F(WebDir, NothingOutsideTheLoadedNamesIsReachable) {
  http::Server s(http::Options{});
  register_web_routes(s, load_web_assets((dir / "dist").string()));
  for (const char* t :
       {"/assets/.hidden", "/assets/..%2Fsecret.json", "/assets/..%2F..%2Foutside.txt",
        "/assets/%2E%2E%2Fsecret.json", "/assets/sub%2Finner.js", "/assets/app-abc123.js",
        "/assets/app-ABC123.js%00.css", "/assets/missing.js"}) {
    http::Response r = get(s, t);
    EXPECT_EQ(r.status, 404) << t;
    EXPECT_NE(r.body.find("web.not_found"), std::string::npos) << t;
  }
  std::string longname = "/assets/" + std::string(5000, 'a') + ".js";
  EXPECT_EQ(get(s, longname).status, 404);
  // Paths with more segments are no route at all.
  EXPECT_EQ(get(s, "/assets/sub/inner.js").status, 404);
  EXPECT_EQ(get(s, "/secret.json").status, 404);
  EXPECT_EQ(get(s, "/../outside.txt").status, 404);
}

TEST_F(WebDir, WithoutADashboardTheRootStillAnswersAndLinksTheApi) {
  http::Server s(http::Options{});
  register_web_routes(s, load_web_assets(""));
  http::Response r = get(s, "/");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("/v1/openapi.json"), std::string::npos);
  EXPECT_NE(r.body.find("make web"), std::string::npos);
  EXPECT_EQ(get(s, "/assets/app-ABC123.js").status, 404);
}

TEST(WebAssetTypes, ByExtension) {
  EXPECT_EQ(asset_content_type("a.svg"), "image/svg+xml");
  EXPECT_EQ(asset_content_type("a.woff2"), "font/woff2");
  EXPECT_EQ(asset_content_type("a.js.LEGAL.txt"), "text/plain; charset=utf-8");
  EXPECT_EQ(asset_content_type("a.bin"), "application/octet-stream");
  EXPECT_EQ(asset_content_type("js"), "application/octet-stream");
}

}  // namespace
}  // namespace tanso
