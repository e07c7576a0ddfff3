#include "web/auth.h"

#include <sodium.h>

namespace weir::web {

Status InitCrypto() {
  if (sodium_init() < 0) return Status::IoError("libsodium could not be initialised");
  return Status::Ok();
}

Result<std::string> HashPassword(std::string_view password) {
  if (password.size() < 8) return Status::Invalid("a password needs at least 8 characters");
  if (password.size() > 1024) return Status::Invalid("a password may have at most 1024 characters");
  char out[crypto_pwhash_STRBYTES];
  // Interactive limits (2 passes, 64 MiB): about 0.1 s per login on one core.
  if (crypto_pwhash_str_alg(out, password.data(), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    return Status::IoError("out of memory while hashing a password");
  return std::string(out);
}

bool VerifyPassword(const std::string& hash, std::string_view password) {
  if (hash.size() >= crypto_pwhash_STRBYTES) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

std::string RandomToken() {
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  char text[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(text, sizeof text, bytes, sizeof bytes,
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return text;
}

std::string TokenDigest(std::string_view token) {
  unsigned char digest[32];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(token.data()),
                     token.size(), nullptr, 0);
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

bool SameSecret(std::string_view a, std::string_view b) {
  if (a.size() != b.size() || a.empty()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

int64_t LoginLimiter::RetryAfter(const std::string& key, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return 0;
  if (now_ms - it->second.first_ms >= window_ms_) {
    entries_.erase(it);
    return 0;
  }
  if (it->second.failures < max_failures_) return 0;
  return it->second.first_ms + window_ms_ - now_ms;
}

void LoginLimiter::Failed(const std::string& key, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  if (entries_.size() > 100'000) entries_.clear();  // bounded, whatever the attacker sends
  Entry& e = entries_[key];
  if (e.failures == 0 || now_ms - e.first_ms >= window_ms_) e = {0, now_ms};
  ++e.failures;
}

void LoginLimiter::Succeeded(const std::string& key) {
  std::lock_guard lock(mutex_);
  entries_.erase(key);
}

}  // namespace weir::web
