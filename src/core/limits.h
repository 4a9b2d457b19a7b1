// Named upper bounds. Every queue, batch and input size in Tanso has one, defined here, with the
// memory it bounds. Network-wide limits that affect validity also live in genesis parameters;
// these are the defaults and the hard ceilings.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tanso::limits {

// One transaction envelope as JSON text (payload + signatures): 64 KiB.
inline constexpr size_t tx_bytes_max = 64 * 1024;
// Signatures on one envelope (multi-signature policies need a few, never more than this).
inline constexpr size_t tx_signatures_max = 16;
// Transactions in one HTTP batch submission, and its body size: 10,000 tx, 16 MiB.
inline constexpr size_t batch_txs_max = 10'000;
inline constexpr size_t batch_bytes_max = 16 * 1024 * 1024;
// HTTP request body for any endpoint (the batch is the largest).
inline constexpr size_t http_body_bytes_max = batch_bytes_max;
// Block cutting defaults: whichever comes first. 4,000 tx x ~450 B ~= 1.8 MiB per block. The
// interval bounds how long a lone tx waits for company (latency at light load).
inline constexpr size_t block_txs_max = 4'000;
inline constexpr size_t block_bytes_max = 4 * 1024 * 1024;
inline constexpr uint32_t block_interval_ms = 10;
// Pending (admitted, not yet committed) transactions the node holds: 200,000 x ~0.5 KiB.
inline constexpr size_t mempool_txs_max = 200'000;
// Nesting of JSON containers in a tx payload. Bodies are shallow; the bound keeps every later
// recursive walk of a body (copies, dumps) within a few KiB of stack, where 64 KiB of "[[[[..."
// would otherwise need ~3 MiB.
inline constexpr size_t payload_depth_max = 16;
// Identifiers (account, org, instrument ids) and free text.
inline constexpr size_t id_chars_max = 64;
inline constexpr size_t text_chars_max = 256;
// Quantities are integers; one amount is at most 2^62 so sums of two never overflow int64.
inline constexpr uint64_t amount_max = uint64_t{1} << 62;
// ETS allocation order entries ([account, amount] pairs) in one tx: 2,000. The order is
// checked whole before any unit moves (a set of the accounts: ~2,000 x ~100 B), and 1,000
// companies with ids up to ~40 characters fit in one tx of tx_bytes_max.
inline constexpr size_t allocation_entries_max = 2'000;
// Installations listed in one ETS designation: 1,000 x ~400 B of parsed JSON per designation.
inline constexpr size_t ets_installations_max = 1'000;
// Open exchange orders per account, over all markets: every market tx loads its whole book
// from state, so this bounds that book (x participants) and each account's share of it.
inline constexpr size_t market_open_orders_max = 200;
// Open OTC proposals per account, and sealed bids per government auction.
inline constexpr size_t market_otc_open_max = 100;
inline constexpr size_t auction_bids_max = 1'000;
// Keys per account, blocks per range query, history rows per page, SSE subscribers.
inline constexpr size_t account_keys_max = 16;
inline constexpr size_t range_blocks_max = 1'000;
// Whole blocks per GET /v1/blocks/{height}/raw (catch-up between nodes), and the envelope bytes
// after which an answer stops adding blocks (it always holds at least one).
inline constexpr size_t raw_blocks_max = 100;
inline constexpr size_t raw_blocks_bytes_max = 8 * 1024 * 1024;
inline constexpr size_t history_rows_max = 1'000;
inline constexpr size_t sse_subscribers_max = 256;
// Read-request authentication: how far the signed time may be from the node's clock.
inline constexpr int64_t read_auth_skew_s_max = 300;

}  // namespace tanso::limits
