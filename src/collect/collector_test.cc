#include "collect/collector.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "base/test_data.h"
#include "collect/metrics.h"
#include "collect/socket.h"
#include "store/flow_reader.h"
#include "wire/udp_capture_test_util.h"

namespace weir {
namespace {

uint16_t FreeUdpPort() {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t length = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &length);
  close(fd);
  return ntohs(a.sin_port);
}

void Send(uint16_t port, std::span<const std::byte> datagram) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sendto(fd, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
  close(fd);
}

std::vector<FlowRecord> ReadRepository(const std::string& root) {
  std::vector<FlowRecord> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (!e.is_regular_file() || e.path().string().find("/.") != std::string::npos) continue;
    auto reader = FlowFileReader::Open(e.path().string());
    if (!reader.ok()) continue;
    FlowBatch batch;
    while ((*reader)->Next(batch))
      for (size_t i = 0; i < batch.size(); ++i) {
        FlowRecord r;
        batch.GetRow(i, r);
        out.push_back(r);
      }
  }
  return out;
}

class CollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = ::testing::TempDir() + "/collect_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(root_);
    port_ = FreeUdpPort();
    auto sensors = SensorConfig::Parse(
        "probe p netflow-v9\n listen-on-port " + std::to_string(port_) +
            "\n protocol udp\nend probe\n"
            "sensor local\n netflow-v9-probes p\n internal-ipblocks 10.0.0.0/8\n"
            " external-ipblocks remainder\nend sensor\n",
        "test", SiteConfig::Default());
    ASSERT_TRUE(sensors.ok()) << sensors.status().message();
    sensors_ = std::make_unique<SensorConfig>(std::move(*sensors));
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::unique_ptr<Collector> StartCollector() {
    CollectorOptions o;
    o.root = root_;
    o.flush_ms = 200;
    o.status_path = root_ + "/.status";
    auto c = Collector::Start(SiteConfig::Default(), *sensors_, o);
    EXPECT_TRUE(c.ok()) << c.status().message();
    return c.ok() ? std::move(*c) : nullptr;
  }

  // Waits until `records` are stored or 5 s pass.
  static void WaitStored(const Collector& c, uint64_t records) {
    for (int i = 0; i < 500 && c.Snapshot().stored < records; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }

  std::string root_;
  uint16_t port_ = 0;
  std::unique_ptr<SensorConfig> sensors_;
};

std::vector<std::byte> V5Datagram(uint32_t sequence, uint32_t sip, uint32_t dip, uint16_t dport) {
  std::vector<std::byte> d;
  auto put = [&](uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) d.push_back(static_cast<std::byte>(v >> (8 * i)));
  };
  const uint32_t now = static_cast<uint32_t>(time(nullptr));
  put(5, 2), put(1, 2), put(100'000, 4), put(now, 4), put(0, 4), put(sequence, 4), put(0, 4);
  put(sip, 4), put(dip, 4), put(0, 4), put(1, 2), put(2, 2), put(3, 4), put(180, 4);
  put(90'000, 4), put(99'000, 4), put(40000, 2), put(dport, 2), put(0, 1), put(0x1b, 1);
  put(6, 1), put(0, 1), put(0, 4), put(0, 4);
  return d;
}

TEST_F(CollectorTest, StoresClassifiedRecordsVisibleBeforeStop) {
  auto c = StartCollector();
  ASSERT_TRUE(c);
  Send(port_, V5Datagram(0, 0x08080808, 0x0a000001, 443));  // inweb
  Send(port_, V5Datagram(1, 0x0a000001, 0x08080808, 22));   // out
  WaitStored(*c, 2);
  EXPECT_EQ(c->Snapshot().stored, 2u);
  // Flushed within the interval: readable while the collector runs.
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  auto records = ReadRepository(root_);
  ASSERT_EQ(records.size(), 2u);
  std::set<std::string> types;
  for (const auto& r : records)
    types.insert(std::string(SiteConfig::Default().TypeName(r.flowtype)));
  EXPECT_EQ(types, (std::set<std::string>{"inweb", "out"}));
  c->Stop();
  EXPECT_TRUE(c->Wait().ok());
  std::string status;
  {
    std::ifstream in(root_ + "/.status");
    status.assign(std::istreambuf_iterator<char>(in), {});
  }
  EXPECT_NE(status.find("127.0.0.1"), std::string::npos) << status;
}

TEST_F(CollectorTest, RestartAppendsToTheSameHourFiles) {
  for (int run = 0; run < 2; ++run) {
    auto c = StartCollector();
    ASSERT_TRUE(c);
    Send(port_, V5Datagram(static_cast<uint32_t>(run), 0x08080808, 0x0a000001, 53));
    WaitStored(*c, 1);
    c->Stop();
    ASSERT_TRUE(c->Wait().ok());
  }
  EXPECT_EQ(ReadRepository(root_).size(), 2u);
}

TEST_F(CollectorTest, ReplayedCaptureIsStoredCompletely) {
  const std::string capture =
      SharedDir() + "/data/export/netflow_v9_nprobe_options_template_898rec.pcap";
  if (!std::filesystem::exists(capture)) GTEST_SKIP() << capture << " absent";
  auto c = StartCollector();
  ASSERT_TRUE(c);
  for (const auto& d : testing::ReadUdpCapture(capture)) {
    Send(port_, d.payload);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  WaitStored(*c, 892);
  c->Stop();
  ASSERT_TRUE(c->Wait().ok());
  EXPECT_EQ(ReadRepository(root_).size(), 892u);
}

TEST(Collector, PortInUseIsAClearError) {
  int fd = socket(AF_INET6, SOCK_DGRAM, 0);
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_any;
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t length = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &length);
  uint16_t port = ntohs(a.sin6_port);
  auto sensors = SensorConfig::Parse("probe busy sflow\n listen-on-port " + std::to_string(port) +
                                         "\nend probe\nsensor local\n sflow-probes busy\n"
                                         " source-network external\n destination-network internal\n"
                                         "end sensor\n",
                                     "test", SiteConfig::Default());
  ASSERT_TRUE(sensors.ok()) << sensors.status().message();
  CollectorOptions o;
  o.root = ::testing::TempDir() + "/collect_busy";
  auto c = Collector::Start(SiteConfig::Default(), *sensors, o);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("probe busy: udp/" + std::to_string(port) + ": cannot bind"),
            std::string::npos)
      << c.status().message();
  close(fd);
}

// The hand-off queues batch their wake-ups: a consumer that just found work naps
// when the queue runs dry, and is woken early only once wake_at items wait; a
// consumer that found nothing is woken by the next item.
TEST(BoundedQueue, BusyConsumerNapsUntilItemsGatherIdleOneWakesAtOnce) {
  using Clock = std::chrono::steady_clock;
  auto ms_since = [](Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
  };
  BoundedQueue<int> q(16, /*wake_at=*/3, /*nap_ms=*/400);
  auto push_later = [&](int count) {
    return std::thread([&q, count] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      for (int i = 0; i < count; ++i) q.Push(std::make_unique<int>(i));
    });
  };
  q.Push(std::make_unique<int>(7));
  ASSERT_NE(q.Pop(1000), nullptr);  // busy now

  // One item does not wake a napping consumer: it gets it when the nap ends.
  auto start = Clock::now();
  std::thread one = push_later(1);
  auto item = q.Pop(5000);
  one.join();
  ASSERT_NE(item, nullptr);
  EXPECT_GE(ms_since(start), 350);

  // wake_at items do, long before the nap ends.
  q.Push(std::make_unique<int>(8));
  ASSERT_NE(q.Pop(1000), nullptr);
  BoundedQueue<int> long_nap(16, 3, 60'000);
  long_nap.Push(std::make_unique<int>(1));
  ASSERT_NE(long_nap.Pop(1000), nullptr);
  start = Clock::now();
  std::thread three([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    for (int i = 0; i < 3; ++i) long_nap.Push(std::make_unique<int>(i));
  });
  item = long_nap.Pop(120'000);
  three.join();
  ASSERT_NE(item, nullptr);
  EXPECT_LT(ms_since(start), 30'000);

  // A nap that finds nothing returns empty; the consumer is then idle, and the
  // next single item wakes it.
  while (q.Pop(0)) {
  }
  q.Push(std::make_unique<int>(9));
  ASSERT_NE(q.Pop(1000), nullptr);
  EXPECT_EQ(q.Pop(5000), nullptr);  // napped 400 ms, found nothing
  start = Clock::now();
  std::thread single = push_later(1);
  item = q.Pop(60'000);
  single.join();
  ASSERT_NE(item, nullptr);
  EXPECT_LT(ms_since(start), 30'000);
}

// Datagrams the kernel drops for a full receive buffer are counted, those before
// the first one received too.
TEST(ReceiveUdp, CountsTheDatagramsTheKernelDropped) {
  ListenSocket s;
  s.host = "127.0.0.1";
  s.probes.push_back({0, {}});
  ASSERT_TRUE(OpenSocket(s, 1).ok());  // the smallest buffer the kernel allows
  int out = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(s.port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  constexpr int kSent = 200;
  std::vector<char> payload(1000, 'x');
  for (int i = 0; i < kSent; ++i)
    ASSERT_EQ(
        sendto(out, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to),
        static_cast<ssize_t>(payload.size()));
  close(out);
  BatchQueue queue(1024);
  std::vector<ReceiveCounters> counters(1);
  std::atomic<bool> stop{false};
  std::thread receiver([&] { ReceiveUdp(s, queue, counters, stop); });
  for (int i = 0; i < 250 && counters[0].datagrams + counters[0].socket_drops < kSent; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  stop = true;
  receiver.join();
  close(s.fd);
  EXPECT_GT(counters[0].datagrams.load(), 0u);
  EXPECT_GT(counters[0].socket_drops.load(), 0u);
  EXPECT_EQ(counters[0].datagrams + counters[0].socket_drops, uint64_t{kSent});
}

}  // namespace
}  // namespace weir

namespace weir {
namespace {

TEST(CollectorMetrics, PrometheusTextHasFamiliesAndEscapedLabels) {
  CollectorSnapshot s;
  s.started_ms = 1'800'000'000'123;
  ProbeCounters p;
  p.name = "edge \"a\"";
  p.listen = "udp/2055";
  p.stored = 42;
  s.probes.push_back(p);
  ExporterStatus e;
  e.address = "2001:db8::1";
  e.probe = "edge";
  e.counters.no_template = 3;
  s.exporters.push_back(e);
  const std::string text = FormatPrometheus(s, "1.2.3");
  EXPECT_NE(text.find("weir_build_info{version=\"1.2.3\"} 1\n"), std::string::npos);
  EXPECT_NE(
      text.find("# TYPE weir_collect_stored_total counter\n"
                "weir_collect_stored_total{probe=\"edge \\\"a\\\"\",listen=\"udp/2055\"} 42\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("weir_collect_exporter_template_misses_total{exporter=\"2001:db8::1\","
                      "probe=\"edge\"} 3\n"),
            std::string::npos);
  EXPECT_NE(text.find("weir_collect_start_time_seconds 1800000000\n"), std::string::npos);
}

}  // namespace
}  // namespace weir
