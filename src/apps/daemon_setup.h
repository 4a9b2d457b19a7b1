// What tansod and tanso-edge share before they start serving: their configuration from
// defaults < TOML file (--config) < flags, where every config key is also a flag and a flag
// wins only when given; the listen address; and SIGINT/SIGTERM blocked in every thread so the
// main thread can wait for them. Errors are printed as "<program>: <message>".
#pragma once

#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/status.h"
#include "node/config.h"

namespace tanso::apps {

// Keys: a span of {field: variant of Cfg member pointers, help} (node/config.h ConfigKey,
// edge/config.h EdgeConfigKey); FlagName(key) -> "--the-flag".
template <class Cfg, class Key>
class ConfigFlags {
 public:
  template <class FlagName>
  ConfigFlags(CLI::App& app, std::span<const Key> keys, FlagName flag_name) {
    app.add_option("--config", file_, "TOML configuration file")->check(CLI::ExistingFile);
    // Flags are parsed into a second Cfg and copied over the file's values after it is read,
    // key by key, only where given.
    for (const auto& key : keys)
      given_.emplace_back(
          &key,
          std::visit(
              [&](auto member) { return app.add_option(flag_name(key), flags_.*member, key.help); },
              key.field));
  }

  // After CLI11 parsed: cfg = defaults, then the file, then the given flags; validated.
  // Prints the error and returns false when the file or the result is invalid.
  template <class Load, class Validate>
  bool resolve(const char* prog, Cfg& cfg, Load load_file, Validate validate) const {
    if (!file_.empty())
      if (Status s = load_file(file_, cfg); !s) return fail(prog, s.error().message);
    for (const auto& [key, opt] : given_)
      if (opt->count() > 0)
        std::visit([&](auto member) { cfg.*member = flags_.*member; }, key->field);
    if (Status s = validate(cfg); !s) return fail(prog, s.error().message);
    return true;
  }

 private:
  static bool fail(const char* prog, const std::string& msg) {
    std::cerr << prog << ": " << msg << "\n";
    return false;
  }
  std::string file_;
  Cfg flags_;
  std::vector<std::pair<const Key*, CLI::Option*>> given_;
};

// Splits "host:port"; prints the error and returns false when it is not one.
inline bool listen_address(const char* prog, const std::string& listen, std::string& host,
                           unsigned short& port) {
  if (Status s = split_listen(listen, host, port); !s) {
    std::cerr << prog << ": " << s.error().message << "\n";
    return false;
  }
  return true;
}

// Blocks SIGINT and SIGTERM in this thread and every thread started after it; the caller later
// waits with wait_for_stop().
inline sigset_t block_stop_signals() {
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  return sigs;
}

inline int wait_for_stop(const sigset_t& sigs) {
  int sig = 0;
  sigwait(&sigs, &sig);
  return sig;
}

}  // namespace tanso::apps
