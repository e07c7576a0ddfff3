#include "net/community_id.h"

// SHA1_Init/Transform are deprecated in OpenSSL 3 in favour of EVP, which costs
// three times as much per 40-byte message; the hash runs once per exported record,
// so the direct functions are kept (API level 1.1.0).
#define OPENSSL_API_COMPAT 0x10100000L
#include <openssl/sha.h>

#include <cstring>

namespace weir {

namespace {

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

void WriteCommunityId(char* out, uint16_t seed, const IpAddress& sip, const IpAddress& dip,
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
  uint8_t input[SHA_CBLOCK] = {};
  static_assert(2 + 16 + 16 + 2 + 4 + 1 + 8 <= SHA_CBLOCK);
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
  for (int i = 0; i < 8; ++i) input[SHA_CBLOCK - 1 - i] = static_cast<uint8_t>(bits >> (8 * i));
  SHA_CTX sha;
  SHA1_Init(&sha);
  SHA1_Transform(&sha, input);
  unsigned char digest[SHA_DIGEST_LENGTH];
  const SHA_LONG words[5] = {sha.h0, sha.h1, sha.h2, sha.h3, sha.h4};
  for (int w = 0; w < 5; ++w)
    for (int i = 0; i < 4; ++i) digest[4 * w + i] = static_cast<uint8_t>(words[w] >> (24 - 8 * i));

  out[0] = '1';
  out[1] = ':';
  char* p = out + 2;
  // 20 bytes: six groups of three, then two bytes with one '=' of padding.
  for (int i = 0; i < 18; i += 3) {
    uint32_t v = uint32_t{digest[i]} << 16 | uint32_t{digest[i + 1]} << 8 | digest[i + 2];
    *p++ = kBase64[v >> 18];
    *p++ = kBase64[v >> 12 & 63];
    *p++ = kBase64[v >> 6 & 63];
    *p++ = kBase64[v & 63];
  }
  uint32_t v = uint32_t{digest[18]} << 16 | uint32_t{digest[19]} << 8;
  *p++ = kBase64[v >> 18];
  *p++ = kBase64[v >> 12 & 63];
  *p++ = kBase64[v >> 6 & 63];
  *p = '=';
}

std::string CommunityId(uint16_t seed, const IpAddress& sip, const IpAddress& dip, uint8_t protocol,
                        uint16_t sport, uint16_t dport) {
  std::string s(kCommunityIdLength, '\0');
  WriteCommunityId(s.data(), seed, sip, dip, protocol, sport, dport);
  return s;
}

}  // namespace weir
