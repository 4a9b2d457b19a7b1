// Reads a TOML file into a configuration struct through its table of keys ({name, help, field:
// a std::variant of member pointers}): every key must be in the table, every value of the
// member's type (string or integer) and within its range. Shared by tansod (node/config.cpp)
// and tanso-edge (edge/config.cpp). Error: config.invalid, naming the file and the key.
#pragma once

#include <toml++/toml.h>

#include <limits>
#include <string>
#include <type_traits>
#include <variant>

#include "core/status.h"

namespace tanso {

template <typename Cfg, typename Keys>
Status load_toml_keys(const std::string& path, Cfg& cfg, const Keys& keys) {
  toml::table t;
  try {
    t = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return err("config.invalid", path + ": " + std::string(e.description()));
  }
  for (auto&& entry : t) {
    std::string name(entry.first.str());
    const toml::node& v = entry.second;
    const typename Keys::value_type* key = nullptr;
    for (const auto& k : keys)
      if (name == k.name) key = &k;
    if (!key) return err("config.invalid", path + ": unknown key '" + name + "'");
    bool ok = std::visit(
        [&](auto member) {
          auto& out = cfg.*member;
          using T = std::remove_reference_t<decltype(out)>;
          if constexpr (std::is_same_v<T, std::string>) {
            auto s = v.template value<std::string>();
            if (s) out = *s;
            return s.has_value();
          } else {
            auto n = v.template value<int64_t>();
            if (!n) return false;
            if constexpr (std::is_signed_v<T>) {
              if (*n < std::numeric_limits<T>::min() || *n > std::numeric_limits<T>::max())
                return false;
            } else {
              if (*n < 0 || static_cast<uint64_t>(*n) > std::numeric_limits<T>::max()) return false;
            }
            out = static_cast<T>(*n);
            return true;
          }
        },
        key->field);
    if (!ok) return err("config.invalid", path + ": bad value for '" + name + "'");
  }
  return ok_status();
}

}  // namespace tanso
