#include "web/auth.h"

#include <sodium.h>

#include <algorithm>
#include <vector>

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

int64_t LoginLimiter::Begin(const std::string& key, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  if (entries_.size() >= options_.max_keys && !entries_.count(key)) Evict(now_ms);
  Entry& e = entries_[key];
  if (e.failures > 0 && now_ms - e.last_ms >= options_.window_ms) e = {};
  if (now_ms < e.next_ms) return e.next_ms - now_ms;
  ++e.failures;
  e.last_ms = now_ms;
  if (e.failures >= options_.free_failures) {
    int doublings = std::min(e.failures - options_.free_failures, 30);
    e.next_ms = now_ms + std::min<int64_t>(int64_t{1000} << doublings, options_.max_delay_ms);
  }
  return 0;
}

void LoginLimiter::Succeeded(const std::string& key) {
  std::lock_guard lock(mutex_);
  entries_.erase(key);
}

void LoginLimiter::Forgive(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  if (--it->second.failures <= 0) {
    entries_.erase(it);
  } else if (it->second.failures < options_.free_failures) {
    it->second.next_ms = 0;
  }
}

size_t LoginLimiter::size() {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void LoginLimiter::Evict(int64_t now_ms) {
  std::erase_if(entries_, [&](const auto& kv) {
    return now_ms - kv.second.last_ms >= options_.window_ms && now_ms >= kv.second.next_ms;
  });
  if (entries_.size() < options_.max_keys) return;
  // Still full: the older half goes.
  std::vector<int64_t> times;
  times.reserve(entries_.size());
  for (const auto& [key, e] : entries_) times.push_back(e.last_ms);
  auto middle = times.begin() + static_cast<ptrdiff_t>(times.size() / 2);
  std::nth_element(times.begin(), middle, times.end());
  int64_t cut = *middle;
  std::erase_if(entries_, [&](const auto& kv) { return kv.second.last_ms <= cut; });
}

}  // namespace weir::web
