// The validity checks every ChainStore applies before committing a block (same codes and
// messages for every back end).
#include "storage/chain_store.h"

namespace tanso {

Status check_commit(const Block& block, const std::vector<Receipt>& receipts, uint64_t expected) {
  const uint64_t h = block.header.height;
  if (h != expected)
    return err("storage.bad_height",
               "block height " + std::to_string(h) + ", expected " + std::to_string(expected), 500);
  if (block.header.tx_count != block.txs.size() || receipts.size() != block.txs.size())
    return err("storage.bad_block",
               "block " + std::to_string(h) + ": tx_count " +
                   std::to_string(block.header.tx_count) + ", " + std::to_string(block.txs.size()) +
                   " txs, " + std::to_string(receipts.size()) + " receipts",
               500);
  if (h == 0 && !block.txs.empty()) return err("storage.bad_block", "genesis block has txs", 500);
  for (const auto& r : receipts)
    for (const auto& a : r.accounts)
      if (a.find('\0') != std::string::npos)
        return err("storage.bad_block", "account id contains NUL (history key separator)", 500);
  return ok_status();
}

}  // namespace tanso
