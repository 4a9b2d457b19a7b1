// The ledger state: a sorted key -> value map, and overlays that stage a block's or a
// transaction's writes on top of it. Sorted containers only, so every iteration that reaches a
// hash is in key order on every node.
//
// Key space (values are JSON text unless noted):
//   meta/genesis, meta/params           genesis document, network parameters
//   org/<id>                            {"name","role"}
//   acct/<id>                           {"org","role","keys":[{"key","status"}],"threshold",...}
//   key/<ed25519 hex>                   account id owning the key
//   nonce/<account>                     last used nonce (decimal)
//   inst/<id>                           {"issuer","name","unit"}
//   bal/<account>/<instrument>          balance (decimal, integer units)
//   supply/<instrument>                 units in existence (decimal)
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.h"

namespace tanso {

// nullopt value = delete.
using WriteSet = std::map<std::string, std::optional<std::string>, std::less<>>;

class StateReader {
 public:
  virtual ~StateReader() = default;
  virtual std::optional<std::string> get(std::string_view key) const = 0;
};

class State : public StateReader {
 public:
  std::optional<std::string> get(std::string_view key) const override;
  void apply(const WriteSet& ws);
  const std::map<std::string, std::string, std::less<>>& data() const { return kv_; }
  // Iterates keys starting with `prefix`, in order.
  template <typename F>
  void scan(std::string_view prefix, F&& f) const {
    for (auto it = kv_.lower_bound(prefix); it != kv_.end() && it->first.starts_with(prefix); ++it)
      f(it->first, it->second);
  }

 private:
  std::map<std::string, std::string, std::less<>> kv_;
};

// Staged writes over a reader (the committed state or another overlay).
class Overlay : public StateReader {
 public:
  explicit Overlay(const StateReader& base) : base_(base) {}
  // Not copyable: `Overlay child(parent)` would pick a copy constructor over the StateReader one
  // and silently duplicate the parent's whole write set instead of stacking on it.
  Overlay(const Overlay&) = delete;
  Overlay& operator=(const Overlay&) = delete;
  std::optional<std::string> get(std::string_view key) const override;
  void put(std::string_view key, std::string value) { ws_[std::string(key)] = std::move(value); }
  void erase(std::string_view key) { ws_[std::string(key)] = std::nullopt; }
  const WriteSet& writes() const { return ws_; }
  WriteSet take() { return std::move(ws_); }
  // Moves this overlay's writes into `parent` (which must be the base it reads from).
  void merge_into(Overlay& parent);

 private:
  const StateReader& base_;
  WriteSet ws_;
};

// The state root after a block: SHA-256("tanso/state/v1" || previous root || each write of the
// block in key order as (len key, key, flag, len value, value)). The same log yields the same
// root on every node; `tanso verify` recomputes it by re-execution.
Hash next_state_root(const Hash& prev_root, const WriteSet& ws);

// Decimal helpers for integer values stored as text.
uint64_t parse_u64_or0(const std::optional<std::string>& s);
std::string u64_text(uint64_t v);

}  // namespace tanso
