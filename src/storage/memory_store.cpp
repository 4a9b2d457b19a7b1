// The in-memory chain store: sorted std containers behind one mutex, with the RocksDB store's
// semantics (consecutive heights from 0, newest-first history, nullopt = delete in a WriteSet),
// for unit tests and simulations. Nothing survives the object; checkpoint() is unsupported.
#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <utility>

#include "core/limits.h"
#include "storage/chain_store.h"

namespace tanso {
namespace {

class MemoryStore final : public ChainStore {
 public:
  Status commit(const Block& block, const std::vector<Receipt>& receipts,
                const WriteSet& writes) override {
    std::lock_guard lock(mu_);
    if (auto st = check_commit(block, receipts, blocks_.size()); !st) return st;
    const uint64_t h = block.header.height;
    for (uint32_t i = 0; i < receipts.size(); ++i) {
      // A replayed copy of a committed tx keeps the index on the first (see rocks_store.cpp).
      if (receipts[i].code == "tx.nonce_replayed" && txidx_.contains(receipts[i].tx_id)) continue;
      txidx_[receipts[i].tx_id] = TxLocation{h, i};
      for (const auto& account : receipts[i].accounts) history_[account].emplace(h, i);
    }
    state_.apply(writes);
    blocks_.push_back(block);
    receipts_.push_back(receipts);
    return ok_status();
  }

  std::optional<uint64_t> last_height() const override {
    std::lock_guard lock(mu_);
    if (blocks_.empty()) return std::nullopt;
    return blocks_.size() - 1;
  }

  std::optional<Block> block(uint64_t height) const override {
    std::lock_guard lock(mu_);
    if (height >= blocks_.size()) return std::nullopt;
    return blocks_[height];
  }

  std::optional<std::vector<Receipt>> receipts(uint64_t height) const override {
    std::lock_guard lock(mu_);
    if (height >= receipts_.size()) return std::nullopt;
    return receipts_[height];
  }

  std::optional<TxLocation> tx_location(const Hash& tx_id) const override {
    std::lock_guard lock(mu_);
    auto it = txidx_.find(tx_id);
    if (it == txidx_.end()) return std::nullopt;
    return it->second;
  }

  std::vector<TxLocation> history(std::string_view account, uint64_t before_height, size_t limit,
                                  uint32_t before_index) const override {
    std::vector<TxLocation> out;
    std::lock_guard lock(mu_);
    auto rows = history_.find(account);
    if (rows == history_.end() || limit == 0) return out;
    out.reserve(std::min({limit, rows->second.size(), limits::history_rows_max}));
    // Rows are (height, index) ascending; the first row at or above before_height bounds them.
    auto end = rows->second.lower_bound({before_height, before_index});
    for (auto it = std::make_reverse_iterator(end); it != rows->second.rend() && out.size() < limit;
         ++it)
      out.push_back({it->first, it->second});
    return out;
  }

  uint64_t load_state(State& out) const override {
    WriteSet all;
    uint64_t height = 0;
    {
      std::lock_guard lock(mu_);
      for (const auto& [k, v] : state_.data()) all.emplace(k, v);
      height = blocks_.empty() ? 0 : blocks_.size() - 1;
    }
    out.apply(all);
    return height;
  }
  // The memory store applies every block's state writes at once: nothing is ever replayed.
  void stage_replayed(const WriteSet&) override {}

  Status checkpoint(const std::string&) const override {
    return err("storage.unsupported", "the memory store has no checkpoints", 501);
  }

  Status put_record(std::string_view key, std::string_view value) override {
    std::lock_guard lock(mu_);
    records_[std::string(key)] = std::string(value);
    return ok_status();
  }

  std::vector<std::pair<std::string, std::string>> records(std::string_view from,
                                                           std::string_view to,
                                                           size_t limit) const override {
    std::lock_guard lock(mu_);
    std::vector<std::pair<std::string, std::string>> out;
    for (auto it = records_.lower_bound(from);
         it != records_.end() && it->first < to && out.size() < limit; ++it)
      out.emplace_back(it->first, it->second);
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::vector<Block> blocks_;  // index = height
  std::vector<std::vector<Receipt>> receipts_;
  std::map<Hash, TxLocation> txidx_;
  std::map<std::string, std::set<std::pair<uint64_t, uint32_t>>, std::less<>> history_;
  State state_;
  std::map<std::string, std::string, std::less<>> records_;
};

}  // namespace

std::unique_ptr<ChainStore> make_memory_store() { return std::make_unique<MemoryStore>(); }

}  // namespace tanso
