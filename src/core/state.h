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
//   ets/..., mrv/..., cash/..., mkt/... module records (core/ets.h, core/mrv_*.h, core/cash.h,
//                                       core/market.h)
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/bytes.h"

namespace tanso {

// nullopt value = delete. Sorted: a block's writes reach the state root in key order.
using WriteSet = std::map<std::string, std::optional<std::string>, std::less<>>;

// Hash for unordered containers keyed by std::string that also accepts string_view lookups.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Keys that overlays also keep in key order, so an ordered walk (StateReader::seek) sees a stack
// of overlays over the state merged: the market book (mkt/bk/..., core/market.h), walked from
// the best price. Other keys live in the overlays' hash maps only (the hot path).
inline bool ordered_key(std::string_view key) { return key.starts_with("mkt/bk/"); }

// An ordered walk over the live keys of one prefix, in key order. Valid until the reader it came
// from (or any overlay below it) is written to.
class Cursor {
 public:
  virtual ~Cursor() = default;
  virtual bool valid() const = 0;
  virtual const std::string& key() const = 0;  // only while valid()
  virtual const std::string& value() const = 0;
  virtual void next() = 0;
};

class StateReader {
 public:
  virtual ~StateReader() = default;
  virtual std::optional<std::string> get(std::string_view key) const = 0;
  // The keys that start with `prefix`, from the first one >= `from`, in order. Overlays (and so
  // every reader over one) only walk prefixes of ordered_key() keys.
  virtual std::unique_ptr<Cursor> seek(std::string_view prefix, std::string_view from) const = 0;
  // Changes whenever what the reader shows under ordered_key() prefixes may have changed (the
  // overlays' walk hints below check it).
  virtual uint64_t version() const = 0;
};

// Point reads hit a hash map (the hot path: balances, nonces, accounts); a sorted key index
// serves prefix scans. Neither order reaches a hash: the state root is over sorted WriteSets.
class State : public StateReader {
 public:
  std::optional<std::string> get(std::string_view key) const override;
  std::unique_ptr<Cursor> seek(std::string_view prefix, std::string_view from) const override;
  uint64_t version() const override { return version_; }
  void apply(const WriteSet& ws);
  size_t size() const { return kv_.size(); }
  // A sorted copy of the whole state (tests, whole-state comparisons).
  std::map<std::string, std::string> data() const;
  // Iterates keys starting with `prefix`, in order.
  template <typename F>
  void scan(std::string_view prefix, F&& f) const {
    for (auto it = keys_.lower_bound(prefix); it != keys_.end() && it->starts_with(prefix); ++it)
      f(*it, kv_.find(*it)->second);
  }

 private:
  std::unordered_map<std::string, std::string, StringHash, std::equal_to<>> kv_;
  std::set<std::string, std::less<>> keys_;
  uint64_t version_ = 0;
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
  // Merges this overlay's ordered writes (deletions hide the base's keys) with the base's walk.
  std::unique_ptr<Cursor> seek(std::string_view prefix, std::string_view from) const override;
  uint64_t version() const override { return own_version_ + base_.version(); }
  void put(std::string_view key, std::string value) {
    if (ordered_key(key)) ordered_write(key, true);
    ws_[std::string(key)] = std::move(value);
  }
  void erase(std::string_view key) {
    if (ordered_key(key)) ordered_write(key, false);
    ws_[std::string(key)] = std::nullopt;
  }
  WriteSet writes() const { return WriteSet(ws_.begin(), ws_.end()); }  // sorted copy
  WriteSet take();
  // Moves this overlay's writes into `parent` (which must be the base it reads from).
  void merge_into(Overlay& parent);

 private:
  class Walk;
  // Keeps sorted_ and the hints in step with a write of an ordered key.
  void ordered_write(std::string_view key, bool live);
  // The hint for walks of `prefix` from its start: every key the base shows below it is deleted
  // here, and this overlay writes nothing else below it (nullptr: none, or the base changed).
  const std::string* dead_until(std::string_view prefix) const;
  const StateReader& base_;
  std::unordered_map<std::string, std::optional<std::string>, StringHash, std::equal_to<>> ws_;
  std::set<std::string, std::less<>> sorted_;  // the ordered_key() keys of ws_
  uint64_t own_version_ = 0;
  // Walk hints: prefix -> the first key a walk from the prefix's start found live (a block's
  // walks from the best price then skip the run of orders filled earlier in the block at once).
  // Only speed: a walk returns the same entries with or without them.
  mutable std::map<std::string, std::string, std::less<>> dead_;
  mutable uint64_t dead_base_version_ = 0;
};

// The state root after a block: SHA-256("tanso/state/v1" || previous root || each write of the
// block in key order as (len key, key, flag, len value, value)). The same log yields the same
// root on every node; `tanso verify` recomputes it by re-execution.
Hash next_state_root(const Hash& prev_root, const WriteSet& ws);

// Decimal helpers for integer values stored as text.
uint64_t parse_u64_or0(const std::optional<std::string>& s);
std::string u64_text(uint64_t v);

}  // namespace tanso
