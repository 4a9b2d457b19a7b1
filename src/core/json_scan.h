// A bounded, allocation-light scanner that finds the exact text of each element of a top-level
// JSON array field ({"txs": [ <e0>, <e1>, ... ]}) without building a document. Elements are only
// delimited here (strings with escapes, nesting by counting, no recursion); each one is then
// decoded strictly on its own (decode_tx), so a batch stores every envelope byte for byte.
#pragma once

#include <string_view>
#include <vector>

#include "core/status.h"

namespace tanso {

// body must be exactly one object with exactly one field `field` holding an array.
// Errors: request.malformed_json (not JSON-shaped), batch.malformed (another shape).
Result<std::vector<std::string_view>> scan_array_field(std::string_view body,
                                                       std::string_view field, size_t max_items);

}  // namespace tanso
