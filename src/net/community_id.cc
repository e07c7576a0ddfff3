#include "net/community_id.h"

// Where the CPU has no SHA instructions, OpenSSL hashes. SHA1_Init/Transform are
// deprecated in OpenSSL 3 in favour of EVP, which costs three times as much per
// 40-byte message; the hash runs once per exported record, so the direct
// functions are kept (API level 1.1.0).
#define OPENSSL_API_COMPAT 0x10100000L
#include <openssl/sha.h>

#include <algorithm>
#include <cstring>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

namespace weir {

namespace {

constexpr uint32_t kSha1Initial[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};

using Sha1Digest = std::array<uint8_t, SHA_DIGEST_LENGTH>;

// SHA-1 of a message's one padded block, as big-endian bytes, through OpenSSL's
// compression function.
void Sha1BlockOpenSsl(const CommunityIdMessage& message, Sha1Digest& digest) {
  SHA_CTX sha;
  SHA1_Init(&sha);
  SHA1_Transform(&sha, message.block.data());
  const SHA_LONG words[5] = {sha.h0, sha.h1, sha.h2, sha.h3, sha.h4};
  for (size_t w = 0; w < 5; ++w)
    for (size_t i = 0; i < 4; ++i)
      digest[4 * w + i] = static_cast<uint8_t>(words[w] >> (24 - 8 * i));
}

#if defined(__x86_64__)
#define WEIR_SHA_TARGET __attribute__((target("sha,sse4.1,ssse3")))

// The state of N blocks being hashed with the CPU's SHA instructions: message
// words four to a register, word 0 in the highest lane (the block's bytes
// reversed), as the instructions expect.
template <int N>
struct Sha1Lanes {
  __m128i m[N][4], abcd[N], before[N], e[N];
};

// Groups first .. first+4 of four rounds each, all with round function F. From
// group 4 on, a group's words are scheduled from the four groups before it
// (m[g % 4] holds group g - 4's until then).
template <int N, int F>
WEIR_SHA_TARGET inline void Sha1Groups(Sha1Lanes<N>& s, int first) {
#pragma GCC unroll 5
  for (int g = first; g < first + 5; ++g) {
    for (int k = 0; k < N; ++k) {
      __m128i(&m)[4] = s.m[k];
      if (g >= 4)
        m[g % 4] = _mm_sha1msg2_epu32(
            _mm_xor_si128(_mm_sha1msg1_epu32(m[g % 4], m[(g + 1) % 4]), m[(g + 2) % 4]),
            m[(g + 3) % 4]);
      if (g > 0) s.e[k] = _mm_sha1nexte_epu32(s.before[k], m[g % 4]);
      s.before[k] = s.abcd[k];
      s.abcd[k] = _mm_sha1rnds4_epu32(s.abcd[k], s.e[k], F);
    }
  }
}

// The same as Sha1BlockOpenSsl with the CPU's SHA instructions, inline, for N
// blocks at once: one block's rounds form a chain of dependent instructions, so
// interleaving two blocks nearly halves the time per block (Community ID hashes
// one block per exported record).
template <int N>
WEIR_SHA_TARGET void Sha1BlocksShaNi(const CommunityIdMessage* messages, Sha1Digest* digests) {
  const __m128i reverse = _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m128i abcd0 =
      _mm_set_epi32(static_cast<int>(kSha1Initial[0]), static_cast<int>(kSha1Initial[1]),
                    static_cast<int>(kSha1Initial[2]), static_cast<int>(kSha1Initial[3]));
  const __m128i e0 = _mm_set_epi32(static_cast<int>(kSha1Initial[4]), 0, 0, 0);
  Sha1Lanes<N> s;
  for (int k = 0; k < N; ++k) {
    for (int j = 0; j < 4; ++j)
      s.m[k][j] = _mm_shuffle_epi8(
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(messages[k].block.data() + 16 * j)),
          reverse);
    s.abcd[k] = s.before[k] = abcd0;
    s.e[k] = _mm_add_epi32(e0, s.m[k][0]);
  }
  Sha1Groups<N, 0>(s, 0);
  Sha1Groups<N, 1>(s, 5);
  Sha1Groups<N, 2>(s, 10);
  Sha1Groups<N, 3>(s, 15);
  for (int k = 0; k < N; ++k) {
    const __m128i last_e = _mm_sha1nexte_epu32(s.before[k], e0);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(digests[k].data()),
                     _mm_shuffle_epi8(_mm_add_epi32(s.abcd[k], abcd0), reverse));
    const uint32_t e_word = __builtin_bswap32(static_cast<uint32_t>(_mm_extract_epi32(last_e, 3)));
    std::memcpy(digests[k].data() + 16, &e_word, 4);
  }
}

bool CpuHasSha() {
  unsigned a, b, c, d;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  // SHA (leaf 7 EBX bit 29), SSE4.1 and SSSE3 (leaf 1 ECX bits 19 and 9).
  if (!(b & (1u << 29))) return false;
  return __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 19)) && (c & (1u << 9));
}
#endif

// Hashes n messages into digests, with the SHA instructions when the CPU has them.
void Sha1Blocks(const CommunityIdMessage* messages, Sha1Digest* digests, size_t n) {
#if defined(__x86_64__)
  static const bool sha_ni = CpuHasSha();
  if (sha_ni) {
    size_t k = 0;
    for (; k + 2 <= n; k += 2) Sha1BlocksShaNi<2>(messages + k, digests + k);
    if (k < n) Sha1BlocksShaNi<1>(messages + k, digests + k);
    return;
  }
#endif
  for (size_t k = 0; k < n; ++k) Sha1BlockOpenSsl(messages[k], digests[k]);
}

constexpr uint8_t kIcmp = 1, kTcp = 6, kUdp = 17, kIcmpV6 = 58, kSctp = 132;

// The ICMP message type that answers `type`, as Zeek pairs them; -1 when the
// message has no answer (one-way: ordering does not apply, the code is hashed).
int IcmpCounterType(uint8_t type) {
  switch (type) {
    case 8:
      return 0;  // echo request -> reply
    case 0:
      return 8;
    case 13:
      return 14;  // timestamp
    case 14:
      return 13;
    case 15:
      return 16;  // information
    case 16:
      return 15;
    case 10:
      return 9;  // router solicitation / advertisement
    case 9:
      return 10;
    case 17:
      return 18;  // address mask
    case 18:
      return 17;
    default:
      return -1;
  }
}

int Icmp6CounterType(uint8_t type) {
  switch (type) {
    case 128:
      return 129;  // echo
    case 129:
      return 128;
    case 130:
      return 131;  // multicast listener query / report
    case 131:
      return 130;
    case 133:
      return 134;  // router solicitation / advertisement
    case 134:
      return 133;
    case 135:
      return 136;  // neighbour solicitation / advertisement
    case 136:
      return 135;
    case 139:
      return 140;  // node information query / response
    case 140:
      return 139;
    case 144:
      return 145;  // home agent address discovery
    case 145:
      return 144;
    default:
      return -1;
  }
}

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

CommunityIdMessage MakeCommunityIdMessage(uint16_t seed, const IpAddress& sip, const IpAddress& dip,
                                          uint8_t protocol, uint16_t sport, uint16_t dport) {
  bool ports = protocol == kTcp || protocol == kUdp || protocol == kSctp || protocol == kIcmp ||
               protocol == kIcmpV6;
  bool one_way = false;
  if (protocol == kIcmp || protocol == kIcmpV6) {
    int counter = protocol == kIcmp ? IcmpCounterType(static_cast<uint8_t>(sport))
                                    : Icmp6CounterType(static_cast<uint8_t>(sport));
    if (counter >= 0)
      dport = static_cast<uint16_t>(counter);
    else
      one_way = true;
  }
  // Both addresses as IPv4 when both are; otherwise both as 16 bytes.
  bool v4 = sip.is_v4() && dip.is_v4();
  size_t alen = v4 ? 4 : 16;
  const uint8_t* a = sip.bytes().data() + (v4 ? 12 : 0);
  const uint8_t* b = dip.bytes().data() + (v4 ? 12 : 0);
  int order = std::memcmp(a, b, alen);
  if (!one_way && (order > 0 || (order == 0 && ports && sport > dport))) {
    std::swap(a, b);
    std::swap(sport, dport);
  }
  // The message is at most 40 bytes: it fits one 64-byte SHA-1 block with its
  // padding, which is built here and hashed with one compression (no buffering).
  CommunityIdMessage m{};
  uint8_t* input = m.block.data();
  static_assert(2 + 16 + 16 + 2 + 4 + 1 + 8 <= sizeof(m.block));
  size_t n = 0;
  input[n++] = static_cast<uint8_t>(seed >> 8);
  input[n++] = static_cast<uint8_t>(seed);
  std::memcpy(input + n, a, alen);
  n += alen;
  std::memcpy(input + n, b, alen);
  n += alen;
  input[n++] = protocol;
  input[n++] = 0;
  if (ports) {
    input[n++] = static_cast<uint8_t>(sport >> 8);
    input[n++] = static_cast<uint8_t>(sport);
    input[n++] = static_cast<uint8_t>(dport >> 8);
    input[n++] = static_cast<uint8_t>(dport);
  }
  input[n] = 0x80;
  uint64_t bits = uint64_t{n} * 8;
  for (size_t i = 0; i < 8; ++i)
    input[m.block.size() - 1 - i] = static_cast<uint8_t>(bits >> (8 * i));
  return m;
}

void WriteCommunityIds(std::span<const CommunityIdMessage> messages, char* out) {
  constexpr size_t kGroup = 16;
  for (size_t at = 0; at < messages.size(); at += kGroup) {
    const size_t n = std::min(kGroup, messages.size() - at);
    Sha1Digest digests[kGroup];
    Sha1Blocks(messages.data() + at, digests, n);
    for (size_t k = 0; k < n; ++k) {
      const Sha1Digest& d = digests[k];
      char* p = out + (at + k) * kCommunityIdLength;
      *p++ = '1';
      *p++ = ':';
      // 20 bytes: six groups of three, then two bytes with one '=' of padding.
      for (int i = 0; i < 18; i += 3) {
        uint32_t v = uint32_t{d[i]} << 16 | uint32_t{d[i + 1]} << 8 | d[i + 2];
        *p++ = kBase64[v >> 18];
        *p++ = kBase64[v >> 12 & 63];
        *p++ = kBase64[v >> 6 & 63];
        *p++ = kBase64[v & 63];
      }
      uint32_t v = uint32_t{d[18]} << 16 | uint32_t{d[19]} << 8;
      *p++ = kBase64[v >> 18];
      *p++ = kBase64[v >> 12 & 63];
      *p++ = kBase64[v >> 6 & 63];
      *p = '=';
    }
  }
}

void WriteCommunityId(char* out, uint16_t seed, const IpAddress& sip, const IpAddress& dip,
                      uint8_t protocol, uint16_t sport, uint16_t dport) {
  const CommunityIdMessage m = MakeCommunityIdMessage(seed, sip, dip, protocol, sport, dport);
  WriteCommunityIds({&m, 1}, out);
}

std::string CommunityId(uint16_t seed, const IpAddress& sip, const IpAddress& dip, uint8_t protocol,
                        uint16_t sport, uint16_t dport) {
  std::string s(kCommunityIdLength, '\0');
  WriteCommunityId(s.data(), seed, sip, dip, protocol, sport, dport);
  return s;
}

}  // namespace weir
