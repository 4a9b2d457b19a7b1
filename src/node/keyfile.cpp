// Reading and writing key files (mode 0600).
#include "node/keyfile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "core/tx.h"

namespace tanso {

KeyFile new_key(std::string account) {
  std::array<uint8_t, 32> seed;
  KeyPair kp = random_keypair();
  std::memcpy(seed.data(), kp.secret.data(), 32);
  return KeyFile{keypair_from_seed(seed), std::move(account)};
}

Result<KeyFile> read_key_file(const std::string& path) {
  std::ifstream f(path);
  if (!f)
    return err("key.unreadable", "cannot read key file " + path + ": " + std::strerror(errno));
  std::stringstream ss;
  ss << f.rdbuf();
  Json j = Json::parse(ss.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("seed") || !j["seed"].is_string())
    return err("key.malformed", path + " is not a Tanso key file (JSON with a \"seed\")");
  auto seed = hash_from_hex(j["seed"].get<std::string>());
  if (!seed) return err("key.malformed", path + ": seed must be 64 hex digits");
  KeyFile kf{keypair_from_seed(*seed), j.value("account", "")};
  if (j.contains("public") && j["public"] != key_to_text(kf.key.pub))
    return err("key.malformed", path + ": the public key does not match the seed");
  return kf;
}

Status write_key_file(const std::string& path, const KeyFile& kf, bool overwrite) {
  Json j = {{"type", "ed25519"},
            {"public", key_to_text(kf.key.pub)},
            {"seed", to_hex(ByteView(kf.key.secret.data(), 32))}};
  if (!kf.account.empty()) j["account"] = kf.account;
  std::string text = j.dump(2) + "\n";
  int flags = O_WRONLY | O_CREAT | (overwrite ? O_TRUNC : O_EXCL);
  int fd = ::open(path.c_str(), flags, 0600);
  if (fd < 0)
    return err(errno == EEXIST ? "key.exists" : "key.unwritable",
               "cannot create " + path + ": " + std::strerror(errno));
  ::fchmod(fd, 0600);
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok) return err("key.unwritable", "cannot write " + path);
  return ok_status();
}

}  // namespace tanso
