// Credentials for weir serve: passwords hashed with Argon2id (libsodium's
// crypto_pwhash_str), random session and API tokens stored only as digests, and a
// login rate limiter. Thread-safe except where noted.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "base/status.h"

namespace weir::web {

// Initialises libsodium; call once before the rest (safe to call again).
Status InitCrypto();

// An Argon2id hash string ("$argon2id$v=19$m=...") of password; refuses passwords
// shorter than 8 characters.
Result<std::string> HashPassword(std::string_view password);
bool VerifyPassword(const std::string& hash, std::string_view password);

// A random token of 32 bytes as 43 URL-safe base64 characters.
std::string RandomToken();
// The digest under which a token is stored (hex BLAKE2b-256): a stolen database
// does not reveal live tokens.
std::string TokenDigest(std::string_view token);
// Constant-time comparison of two strings (CSRF tokens).
bool SameSecret(std::string_view a, std::string_view b);

// Failed logins per key (a client address, a user name): after `max_failures`
// within `window_ms`, further attempts are refused until the window has passed.
class LoginLimiter {
 public:
  LoginLimiter(int max_failures, int64_t window_ms)
      : max_failures_(max_failures), window_ms_(window_ms) {}
  // 0 when an attempt may go ahead, else the milliseconds to wait.
  int64_t RetryAfter(const std::string& key, int64_t now_ms);
  void Failed(const std::string& key, int64_t now_ms);
  void Succeeded(const std::string& key);

 private:
  struct Entry {
    int failures = 0;
    int64_t first_ms = 0;
  };
  int max_failures_;
  int64_t window_ms_;
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

}  // namespace weir::web
