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

// Password guesses per key: a user name at a client address, a client address.
// The first `free_failures` failures go ahead at once; after them each attempt
// waits twice as long as the one before (1 s, 2 s, 4 s ... up to max_delay_ms), so
// guessing slows down exponentially, while nobody can lock an account: its owner,
// at another address, keeps logging in. A key is forgotten window_ms after its
// last failure. An attempt is counted when it begins (Begin), before the password
// is checked, so parallel attempts cannot pass the limit together; Succeeded()
// clears the key. At most max_keys keys are kept (expired ones go first, then the
// oldest), whatever an attacker sends. Thread-safe.
class LoginLimiter {
 public:
  struct Options {
    int free_failures = 5;
    int64_t window_ms = 300'000;
    int64_t max_delay_ms = 150'000;
    size_t max_keys = 100'000;
  };
  explicit LoginLimiter(Options options) : options_(options) {}
  // 0: the attempt may go ahead, counted as a failure until Succeeded(key);
  // otherwise the milliseconds to wait before the next attempt.
  int64_t Begin(const std::string& key, int64_t now_ms);
  void Succeeded(const std::string& key);
  // Takes back the one failure Begin counted (a success that should not clear
  // the key's earlier failures, such as a client address's).
  void Forgive(const std::string& key);
  size_t size();

 private:
  struct Entry {
    int failures = 0;
    int64_t last_ms = 0, next_ms = 0;
  };
  void Evict(int64_t now_ms);  // under mutex_

  Options options_;
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

}  // namespace weir::web
