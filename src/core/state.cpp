// In-memory sorted state, overlays and the state root.
#include "core/state.h"

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "core/crypto.h"

namespace tanso {

std::optional<std::string> State::get(std::string_view key) const {
  auto it = kv_.find(key);
  if (it == kv_.end()) return std::nullopt;
  return it->second;
}

namespace {
// State::seek: the sorted key index, values from the hash map.
class StateWalk final : public Cursor {
 public:
  using Kv = std::unordered_map<std::string, std::string, StringHash, std::equal_to<>>;
  StateWalk(const std::set<std::string, std::less<>>& keys, const Kv& kv, std::string_view prefix,
            std::string_view from)
      : it_(keys.lower_bound(std::max(prefix, from))), end_(keys.end()), kv_(kv), prefix_(prefix) {}
  bool valid() const override { return it_ != end_ && it_->starts_with(prefix_); }
  const std::string& key() const override { return *it_; }
  const std::string& value() const override { return kv_.find(*it_)->second; }
  void next() override { ++it_; }

 private:
  std::set<std::string, std::less<>>::const_iterator it_, end_;
  const Kv& kv_;
  std::string prefix_;
};
}  // namespace

std::unique_ptr<Cursor> State::seek(std::string_view prefix, std::string_view from) const {
  return std::make_unique<StateWalk>(keys_, kv_, prefix, from);
}

void State::apply(const WriteSet& ws) {
  ++version_;
  for (const auto& [k, v] : ws) {
    if (v) {
      auto [it, inserted] = kv_.insert_or_assign(k, *v);
      if (inserted) keys_.insert(k);
    } else if (kv_.erase(k)) {
      keys_.erase(k);
    }
  }
}

std::map<std::string, std::string> State::data() const {
  return std::map<std::string, std::string>(kv_.begin(), kv_.end());
}

// Overlay::seek: merges the overlay's sorted keys with the base's walk. A key in both is the
// overlay's (a deletion skips it); each step is O(1) amortized past the seek.
class Overlay::Walk final : public Cursor {
 public:
  Walk(const Overlay& o, std::string_view prefix, std::string_view from) : o_(o), prefix_(prefix) {
    if (!ordered_key(prefix)) throw std::logic_error("Overlay::seek: not an ordered prefix");
    std::string start(std::max(prefix, from));
    bool from_top = from <= prefix;
    if (const std::string* dead = o.dead_until(prefix); dead && start <= *dead) {
      start = *dead;
      from_top = true;
    }
    base_ = o.base_.seek(prefix, start);
    it_ = o.sorted_.lower_bound(start);
    settle();
    // Everything between the prefix's start and the first live entry is deleted here.
    if (from_top) o.dead_[prefix_] = key_ ? *key_ : prefix_ + '\xff';
  }
  bool valid() const override { return key_ != nullptr; }
  const std::string& key() const override { return *key_; }
  const std::string& value() const override { return *value_; }
  void next() override {
    if (mine_)
      ++it_;
    else
      base_->next();
    settle();
  }

 private:
  bool mine_left() const { return it_ != o_.sorted_.end() && it_->starts_with(prefix_); }
  // Points key_/value_ at the next live entry of either side (key_ null: none left).
  void settle() {
    for (;;) {
      bool mine = mine_left();
      bool base = base_->valid();
      if (mine && (!base || *it_ <= base_->key())) {
        if (base && *it_ == base_->key()) base_->next();  // shadowed by this overlay
        const auto& v = o_.ws_.find(*it_)->second;
        if (v) {
          key_ = &*it_, value_ = &*v, mine_ = true;
          return;
        }
        ++it_;  // deleted here
        continue;
      }
      if (base) {
        key_ = &base_->key(), value_ = &base_->value(), mine_ = false;
        return;
      }
      key_ = nullptr;
      return;
    }
  }
  const Overlay& o_;
  std::unique_ptr<Cursor> base_;
  std::set<std::string, std::less<>>::const_iterator it_;
  std::string prefix_;
  const std::string* key_ = nullptr;
  const std::string* value_ = nullptr;
  bool mine_ = false;
};

std::unique_ptr<Cursor> Overlay::seek(std::string_view prefix, std::string_view from) const {
  return std::make_unique<Walk>(*this, prefix, from);
}

const std::string* Overlay::dead_until(std::string_view prefix) const {
  if (dead_base_version_ != base_.version()) {
    dead_.clear();
    dead_base_version_ = base_.version();
    return nullptr;
  }
  auto it = dead_.find(prefix);
  return it == dead_.end() ? nullptr : &it->second;
}

void Overlay::ordered_write(std::string_view key, bool live) {
  ++own_version_;
  if (!sorted_.contains(key)) sorted_.emplace(key);
  if (!live) return;  // a deletion only lengthens the runs the hints skip
  // A live key inside a run ends the run there (everything before it is still deleted).
  for (auto& [prefix, until] : dead_)
    if (key.starts_with(prefix) && key < until) until = key;
}

WriteSet Overlay::take() {
  WriteSet out;
  for (auto& [k, v] : ws_) out.emplace(k, std::move(v));
  ws_.clear();
  sorted_.clear();
  dead_.clear();
  ++own_version_;
  return out;
}

std::optional<std::string> Overlay::get(std::string_view key) const {
  auto it = ws_.find(key);
  if (it != ws_.end()) return it->second;
  return base_.get(key);
}

void Overlay::merge_into(Overlay& parent) {
  for (const auto& k : sorted_) parent.ordered_write(k, ws_.find(k)->second.has_value());
  for (auto& [k, v] : ws_) parent.ws_.insert_or_assign(k, std::move(v));
  ws_.clear();
  sorted_.clear();
  dead_.clear();
  ++own_version_;
}

Hash next_state_root(const Hash& prev_root, const WriteSet& ws) {
  static constexpr std::string_view kTag = "tanso/state/v1";
  Sha256 h;
  h.update(kTag).update(ByteView(prev_root.data(), prev_root.size()));
  Bytes buf;
  for (const auto& [k, v] : ws) {
    buf.clear();
    put_lp(buf, k);
    buf.push_back(v ? 1 : 0);
    if (v) put_lp(buf, *v);
    h.update(buf);
  }
  return h.final();
}

uint64_t parse_u64_or0(const std::optional<std::string>& s) {
  if (!s) return 0;
  uint64_t v = 0;
  std::from_chars(s->data(), s->data() + s->size(), v);
  return v;
}

std::string u64_text(uint64_t v) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, p);
}

}  // namespace tanso
