// Tests for tansod's TOML configuration loader and listen-address parsing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "node/config.h"

namespace tanso {
namespace {

std::string write_tmp(const std::string& text) {
  char path[] = "/tmp/tanso-config-XXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  close(fd);
  std::ofstream(path) << text;
  return path;
}

TEST(Config, DefaultsAreTheNamedLimits) {
  Config c;
  EXPECT_EQ(c.listen, "127.0.0.1:8080");
  EXPECT_EQ(c.block_txs_max, 4000u);
  EXPECT_EQ(c.block_interval_ms, 10u);
}

TEST(Config, ReadsEveryKey) {
  Config c;
  auto p = write_tmp(
      "data_dir = \"/srv/tanso\"\ngenesis = \"g.json\"\nlisten = \"0.0.0.0:9000\"\n"
      "web_dir = \"web\"\nlog_level = \"debug\"\nblock_txs_max = 100\nblock_bytes_max = 65536\n"
      "block_interval_ms = 5\nmempool_txs_max = 1000\nverify_threads = 2\n");
  ASSERT_TRUE(load_config_file(p, c).ok());
  EXPECT_EQ(c.data_dir, "/srv/tanso");
  EXPECT_EQ(c.genesis, "g.json");
  EXPECT_EQ(c.listen, "0.0.0.0:9000");
  EXPECT_EQ(c.web_dir, "web");
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(c.block_txs_max, 100u);
  EXPECT_EQ(c.block_bytes_max, 65536u);
  EXPECT_EQ(c.block_interval_ms, 5u);
  EXPECT_EQ(c.mempool_txs_max, 1000u);
  EXPECT_EQ(c.verify_threads, 2u);
  std::remove(p.c_str());
}

TEST(Config, RefusesUnknownKeysBadValuesAndBadToml) {
  for (const char* bad : {"nope = 1\n", "block_txs_max = \"many\"\n", "block_txs_max = -1\n",
                          "block_txs_max = 0\n", "listen = [1]\n", "this is not toml\n"}) {
    Config c;
    auto p = write_tmp(bad);
    auto s = load_config_file(p, c);
    EXPECT_FALSE(s.ok()) << bad;
    if (!s.ok()) {
      EXPECT_EQ(s.error().code, "config.invalid") << bad;
    }
    std::remove(p.c_str());
  }
  Config c;
  EXPECT_EQ(load_config_file("/nonexistent/tanso.toml", c).error().code, "config.invalid");
}

TEST(Config, ParsesClusterPeers) {
  Config c;
  c.cluster_peers = " n3=http://127.0.0.1:7303/ , n2=http://127.0.0.1:7302,";
  auto peers = peer_urls(c);
  ASSERT_TRUE(peers.ok());
  ASSERT_EQ(peers->size(), 2u);
  EXPECT_EQ(peers->at("n2"), "http://127.0.0.1:7302");
  EXPECT_EQ(peers->at("n3"), "http://127.0.0.1:7303");
  EXPECT_TRUE(validate_config(c).ok());
  for (const char* bad : {"http://127.0.0.1:7302", "=http://x:1", "n2=127.0.0.1:7302", "n2=http://",
                          "n2=http://a:1,n2=http://b:2"}) {
    c.cluster_peers = bad;
    EXPECT_FALSE(peer_urls(c).ok()) << bad;
    auto s = validate_config(c);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.error().code, "config.invalid") << bad;
  }
}

TEST(Config, SplitsListenAddresses) {
  std::string host;
  unsigned short port = 0;
  ASSERT_TRUE(split_listen("127.0.0.1:8080", host, port).ok());
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 8080);
  for (const char* bad : {"8080", ":8080", "host:", "host:70000", "host:x"})
    EXPECT_FALSE(split_listen(bad, host, port).ok()) << bad;
}

TEST(Config, Channels) {
  Config c;
  c.channels = " credits=g1.json, city-goyang=dir/g2.json ,";
  auto specs = channel_specs(c);
  ASSERT_TRUE(specs.ok());
  ASSERT_EQ(specs->size(), 2u);
  EXPECT_EQ((*specs)[0].name, "credits");
  EXPECT_EQ((*specs)[0].genesis, "g1.json");
  EXPECT_EQ((*specs)[1].name, "city-goyang");
  EXPECT_EQ((*specs)[1].genesis, "dir/g2.json");
  EXPECT_TRUE(validate_config(c).ok());
  c.channels = "";
  EXPECT_TRUE(channel_specs(c)->empty());

  for (const char* bad :
       {"Credits=g.json", "credits", "credits=", "=g.json", "1x=g.json", "a_b=g.json", "a-=g.json",
        "default=g.json", "a=g.json,a=h.json", "abcdefghijabcdefghijabcdefghijabc=g.json"}) {
    c.channels = bad;
    auto r = channel_specs(c);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, "config.invalid") << bad;
    EXPECT_FALSE(validate_config(c).ok()) << bad;
  }
  EXPECT_TRUE(valid_channel_name("a"));
  EXPECT_TRUE(valid_channel_name("city-goyang-2"));
  EXPECT_FALSE(valid_channel_name(""));

  auto p = write_tmp("channels = \"ets=e.json\"\n");
  Config f;
  ASSERT_TRUE(load_config_file(p, f).ok());
  EXPECT_EQ(f.channels, "ets=e.json");
  auto q = write_tmp("channels = \"Bad=e.json\"\n");
  Config g;
  EXPECT_EQ(load_config_file(q, g).error().code, "config.invalid");
  std::remove(p.c_str());
  std::remove(q.c_str());
}

}  // namespace
}  // namespace tanso
