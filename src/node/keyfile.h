// Key files: {"type":"ed25519","public":"ed25519:<hex>","seed":"<64 hex>","account":"<id>"?},
// written with mode 0600. The CLI, the node (its block-signing key) and the dashboard's key
// import read this one format.
#pragma once

#include <optional>
#include <string>

#include "core/crypto.h"
#include "core/status.h"

namespace tanso {

struct KeyFile {
  KeyPair key;
  std::string account;  // optional: the account this key signs for
};

Result<KeyFile> read_key_file(const std::string& path);
// Fails (key.exists) if the file exists and !overwrite. Creates it with mode 0600.
Status write_key_file(const std::string& path, const KeyFile& kf, bool overwrite = false);
KeyFile new_key(std::string account = {});

}  // namespace tanso
