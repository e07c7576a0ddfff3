#include "meter/capture.h"

#include <net/if.h>
#include <poll.h>

#include <algorithm>

namespace weir {

struct PacketSource::Input {
  pcap_t* handle = nullptr;
  int link_type = 0;
  uint32_t interface = 0;
  int fd = -1;
  SourceCounters counters;
  // Files: the next packet, read ahead for the merge.
  const pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  bool ended = false;

  ~Input() {
    if (handle) pcap_close(handle);
  }
};

namespace {

Status ApplyFilter(pcap_t* handle, const std::string& filter, const std::string& name) {
  if (filter.empty()) return Status::Ok();
  bpf_program program;
  if (pcap_compile(handle, &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0)
    return Status::Invalid("filter '" + filter + "': " + pcap_geterr(handle));
  int rc = pcap_setfilter(handle, &program);
  pcap_freecode(&program);
  if (rc != 0) return Status::IoError(name + ": cannot set the filter: " + pcap_geterr(handle));
  return Status::Ok();
}

int64_t Micros(const timeval& tv) { return int64_t{tv.tv_sec} * 1'000'000 + tv.tv_usec; }

}  // namespace

PacketSource::~PacketSource() = default;

Result<std::unique_ptr<PacketSource>> PacketSource::OpenFiles(const std::vector<std::string>& paths,
                                                              const CaptureOptions& options) {
  std::unique_ptr<PacketSource> source(new PacketSource());
  for (const std::string& path : paths) {
    char error[PCAP_ERRBUF_SIZE] = "";
    pcap_t* handle = pcap_open_offline_with_tstamp_precision(path == "-" ? "-" : path.c_str(),
                                                             PCAP_TSTAMP_PRECISION_MICRO, error);
    if (!handle) {
      // libpcap names the file itself in some messages.
      std::string message = error;
      if (message.rfind(path + ":", 0) != 0) message = path + ": " + message;
      return Status::IoError(message);
    }
    auto in = std::make_unique<Input>();
    in->handle = handle;
    in->link_type = pcap_datalink(handle);
    in->counters.name = path;
    if (Status s = ApplyFilter(handle, options.filter, path); !s.ok()) return s;
    source->inputs_.push_back(std::move(in));
    source->Advance(*source->inputs_.back());
  }
  return source;
}

Result<std::unique_ptr<PacketSource>> PacketSource::OpenLive(
    const std::vector<std::string>& interfaces, const CaptureOptions& options) {
  std::unique_ptr<PacketSource> source(new PacketSource());
  source->live_ = true;
  for (const std::string& name : interfaces) {
    char error[PCAP_ERRBUF_SIZE] = "";
    pcap_t* handle = pcap_create(name.c_str(), error);
    if (!handle) return Status::IoError(name + ": " + error);
    auto in = std::make_unique<Input>();
    in->handle = handle;
    in->counters.name = name;
    in->interface = if_nametoindex(name.c_str());
    pcap_set_snaplen(handle, options.snaplen);
    pcap_set_promisc(handle, options.promiscuous ? 1 : 0);
    pcap_set_timeout(handle, 100);
    pcap_set_buffer_size(handle, options.buffer_bytes);
    int rc = pcap_activate(handle);
    if (rc < 0) {
      std::string why = rc == PCAP_ERROR_PERM_DENIED
                            ? "permission denied (needs root or CAP_NET_RAW)"
                        : rc == PCAP_ERROR_NO_SUCH_DEVICE ? "no such interface"
                                                          : pcap_geterr(handle);
      return Status::IoError("interface " + name + ": " + why);
    }
    in->link_type = pcap_datalink(handle);
    if (Status s = ApplyFilter(handle, options.filter, name); !s.ok()) return s;
    if (pcap_setnonblock(handle, 1, error) != 0)
      return Status::IoError("interface " + name + ": " + error);
    in->fd = pcap_get_selectable_fd(handle);
    source->inputs_.push_back(std::move(in));
  }
  return source;
}

bool PacketSource::Advance(Input& in) {
  if (in.ended) return false;
  int rc = pcap_next_ex(in.handle, const_cast<pcap_pkthdr**>(&in.header), &in.data);
  if (rc == 1) return true;
  in.ended = true;
  if (rc == PCAP_ERROR) {
    in.counters.error = pcap_geterr(in.handle);
    warnings_.push_back(in.counters.name + ": " + in.counters.error +
                        "; the packets before it are metered");
  }
  return false;
}

int64_t PacketSource::Dispatch(int64_t max_packets, int timeout_ms, const Callback& on_packet) {
  return live_ ? DispatchLive(timeout_ms, on_packet) : DispatchFiles(max_packets, on_packet);
}

int64_t PacketSource::DispatchFiles(int64_t max_packets, const Callback& on_packet) {
  int64_t handed = 0;
  CapturedPacket p;
  while (handed < max_packets) {
    Input* next = nullptr;
    for (auto& in : inputs_)
      if (!in->ended && (!next || Micros(in->header->ts) < Micros(next->header->ts)))
        next = in.get();
    if (!next) return handed ? handed : -1;
    p.frame = {reinterpret_cast<const std::byte*>(next->data), next->header->caplen};
    p.wire_length = next->header->len;
    p.time_us = Micros(next->header->ts);
    p.link_type = next->link_type;
    p.interface = next->interface;
    on_packet(p);
    ++next->counters.packets;
    ++handed;
    Advance(*next);
  }
  return handed;
}

namespace {
struct LiveContext {
  const PacketSource::Callback* callback;
  int link_type;
  uint32_t interface;
  uint64_t* packets;
};

void OnLivePacket(u_char* user, const pcap_pkthdr* header, const u_char* data) {
  auto* context = reinterpret_cast<LiveContext*>(user);
  CapturedPacket p;
  p.frame = {reinterpret_cast<const std::byte*>(data), header->caplen};
  p.wire_length = header->len;
  p.time_us = Micros(header->ts);
  p.link_type = context->link_type;
  p.interface = context->interface;
  (*context->callback)(p);
  ++*context->packets;
}
}  // namespace

int64_t PacketSource::DispatchLive(int timeout_ms, const Callback& on_packet) {
  std::vector<pollfd> fds;
  bool any = false;
  for (auto& in : inputs_) {
    fds.push_back({in->ended ? -1 : in->fd, POLLIN, 0});  // poll skips negative descriptors
    any |= !in->ended;
  }
  if (!any) return -1;
  if (poll(fds.data(), fds.size(), timeout_ms) <= 0) return 0;
  int64_t handed = 0;
  for (size_t i = 0; i < inputs_.size(); ++i) {
    if (!(fds[i].revents & (POLLIN | POLLERR | POLLHUP))) continue;
    Input& in = *inputs_[i];
    LiveContext context{&on_packet, in.link_type, in.interface, &in.counters.packets};
    int n = pcap_dispatch(in.handle, -1, OnLivePacket, reinterpret_cast<u_char*>(&context));
    if (n > 0) handed += n;
    if (n == PCAP_ERROR && in.counters.error.empty()) {
      in.counters.error = pcap_geterr(in.handle);
      in.ended = true;
      warnings_.push_back("interface " + in.counters.name + ": " + in.counters.error);
    }
  }
  return handed;
}

std::vector<SourceCounters> PacketSource::Counters() {
  std::vector<SourceCounters> out;
  for (auto& in : inputs_) {
    if (live_) {
      pcap_stat st{};
      if (pcap_stats(in->handle, &st) == 0) {
        in->counters.dropped = st.ps_drop;
        in->counters.if_dropped = st.ps_ifdrop;
      }
    }
    out.push_back(in->counters);
  }
  return out;
}

std::vector<std::string> PacketSource::TakeWarnings() { return std::exchange(warnings_, {}); }

}  // namespace weir
