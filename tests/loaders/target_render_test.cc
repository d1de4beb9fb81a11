// Rendering a loaded target for one process (model/target_spec.h):
// RenderReplica, RenderClient and RenderRequest over the run-time facts the
// controller binds, with targets written as a user would.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "loaders/target_loader.h"

namespace turncoat {
namespace {

using Strings = std::vector<std::string>;
using Pairs = std::vector<std::pair<std::string, std::string>>;

// Everything around the part under test: a refbft-shaped protocol, a
// replica section and a client section spliced in.
std::string Target(const std::string& ids, const std::string& replica, const std::string& client) {
  return absl::StrCat("name: r\n", ids, "replica:\n", replica,
                      "keys: { scheme: ecdsa-p256, private: hex, public: hex }\n"
                      "transport: grpc\n"
                      "protocol:\n"
                      "  protos: [refbft/refbft.proto]\n"
                      "  messages:\n"
                      "    - method: /refbft.Peer/Send\n"
                      "      sender: sender\n"
                      "      signature: { field: signature, covers: payload }\n"
                      "observe:\n"
                      "  commits: { stream: stdout, json: { value: value } }\n"
                      "client:\n",
                      client);
}

constexpr char kGrpcClient[] =
    "  grpc: { method: /refbft.Client/Submit, request: refbft.SubmitRequest, value: value }\n";

const std::string kPath = std::string(TURNCOAT_SOURCE_DIR) + "/targets/r.yaml";

absl::StatusOr<TargetSpec> Parse(const std::string& text) { return ParseTarget(text, kPath); }

KeyBinding Key(const std::string& name, bool with_private) {
  KeyBinding k;
  k.public_file = absl::StrCat("/keys/", name, ".pub");
  k.public_text = absl::StrCat("PUB-", name);
  if (with_private) {
    k.private_file = absl::StrCat("/keys/", name, ".key");
    k.private_text = absl::StrCat("PRIV-", name);
  }
  return k;
}

// Replica `index` of three, each peer behind a proxy on 127.0.0.1:9<from><to>,
// with two clients.
ReplicaBinding Replica(int index) {
  ReplicaBinding b;
  b.index = index;
  b.n = 3;
  b.f = 0;
  b.listen = absl::StrCat("127.0.0.1:700", index);
  b.key = Key(absl::StrCat(index), true);
  b.pubkeys = "/keys";
  b.workdir = absl::StrCat("/run/r", index);
  b.build_dir = "/build";
  for (int i = 0; i < 3; ++i) {
    PeerBinding p;
    p.index = i;
    p.addr = i == index ? b.listen : absl::StrCat("127.0.0.1:9", index, i, "0");
    p.key = Key(absl::StrCat(i), false);
    b.peers.push_back(p);
  }
  for (int c = 0; c < 2; ++c) b.clients.push_back({c, Key(absl::StrCat("client-", c), false)});
  return b;
}

ClientBinding Client(int index) {
  ClientBinding b;
  b.index = index;
  b.n = 3;
  b.f = 0;
  b.key = Key(absl::StrCat("client-", index), true);
  b.pubkeys = "/keys";
  b.workdir = absl::StrCat("/run/client-", index);
  b.build_dir = "/build";
  for (int i = 0; i < 3; ++i) {
    b.replicas.push_back({i, absl::StrCat("127.0.0.1:700", i), Key(absl::StrCat(i), false)});
  }
  for (int c = 0; c < 2; ++c) b.clients.push_back({c, Key(absl::StrCat("client-", c), false)});
  return b;
}

TEST(TargetRenderTest, EnvCwdAndListenHalves) {
  absl::StatusOr<TargetSpec> t =
      Parse(Target("ids: { replica: \"node-{{number}}\" }\n",
                   "  command: [\"{{build_dir}}/node\", \"--host={{listen_host}}\", "
                   "\"--port={{listen_port}}\"]\n"
                   "  env: { NODE_ID: \"{{id}}\", NODE_HOME: \"{{workdir}}/home\", EMPTY: \"\", "
                   "NODE_N: \"{{n}}/{{f}}\" }\n"
                   "  cwd: \"{{target_dir}}/run-{{index}}\"\n",
                   kGrpcClient));
  ASSERT_TRUE(t.ok()) << t.status();
  absl::StatusOr<RenderedReplica> r = RenderReplica(*t, Replica(2));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->process.argv, (Strings{"/build/node", "--host=127.0.0.1", "--port=7002"}));
  // In the order the target lists them.
  EXPECT_EQ(
      r->process.env,
      (Pairs{
          {"NODE_ID", "node-3"}, {"NODE_HOME", "/run/r2/home"}, {"EMPTY", ""}, {"NODE_N", "3/0"}}));
  EXPECT_EQ(r->process.cwd, std::string(TURNCOAT_SOURCE_DIR) + "/targets/run-2");
}

TEST(TargetRenderTest, CwdDefaultsToTheWorkdir) {
  absl::StatusOr<TargetSpec> t = Parse(Target("", "  command: [node]\n", kGrpcClient));
  ASSERT_TRUE(t.ok()) << t.status();
  absl::StatusOr<RenderedReplica> r = RenderReplica(*t, Replica(1));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->process.cwd, "/run/r1");
  EXPECT_TRUE(r->process.env.empty());
}

// A JSON config file of the kind pbft-like systems read: commas between
// entries from {{#last}}, the replica's own entry marked through {{#self}},
// key texts inline, ids through ids.replica, every client listed.
TEST(TargetRenderTest, JsonConfigFromReplicaAndClientLists) {
  absl::StatusOr<TargetSpec> t = Parse(Target(
      "ids: { replica: \"r{{index}}\", client: \"c{{number}}\" }\n",
      "  command: [node, \"--config={{workdir}}/config.json\"]\n"
      "  files:\n"
      "    - path: \"{{workdir}}/config.json\"\n"
      "      template: |\n"
      "        {\"me\": \"{{id}}\", \"key\": \"{{private_key}}\", \"pub\": \"{{public_key}}\",\n"
      "         \"replicas\": [\n"
      "        {{#replicas}}\n"
      "          {\"id\": \"{{id}}\", \"addr\": \"{{host}}:{{port}}\", \"key\": \"{{public_key}}\""
      "{{#self}}, \"self\": true{{/self}}}{{^last}},{{/last}}\n"
      "        {{/replicas}}\n"
      "         ],\n"
      "         \"clients\": [{{#clients}}\"{{id}}={{public_key}}\"{{^last}}, "
      "{{/last}}{{/clients}}]}\n",
      kGrpcClient));
  ASSERT_TRUE(t.ok()) << t.status();
  absl::StatusOr<RenderedReplica> r = RenderReplica(*t, Replica(1));
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->process.files.size(), 1u);
  EXPECT_EQ(r->process.files[0].first, "/run/r1/config.json");
  EXPECT_EQ(
      r->process.files[0].second,
      "{\"me\": \"r1\", \"key\": \"PRIV-1\", \"pub\": \"PUB-1\",\n"
      " \"replicas\": [\n"
      "  {\"id\": \"r0\", \"addr\": \"127.0.0.1:9100\", \"key\": \"PUB-0\"},\n"
      "  {\"id\": \"r1\", \"addr\": \"127.0.0.1:7001\", \"key\": \"PUB-1\", \"self\": true},\n"
      "  {\"id\": \"r2\", \"addr\": \"127.0.0.1:9120\", \"key\": \"PUB-2\"}\n"
      " ],\n"
      " \"clients\": [\"c1=PUB-client-0\", \"c2=PUB-client-1\"]}\n");
  EXPECT_EQ(r->process.argv, (Strings{"node", "--config=/run/r1/config.json"}));
}

TEST(TargetRenderTest, PeerListsThroughIds) {
  absl::StatusOr<TargetSpec> t = Parse(Target(
      "ids: { replica: \"validator{{number}}\" }\n",
      "  command: [node, \"--me={{id}}\", \"--peers={{peers}}\", \"--key={{key}}\", "
      "\"--pub={{pubkey}}\", \"--all={{pubkeys}}\",\n"
      "            \"{{#peers}}{{number}}{{#first}}F{{/first}}{{#last}}L{{/last}};{{/peers}}\"]\n"
      "  peers: { entry: \"{{id}}@{{host}}/{{port}}/{{pubkey}}\", separator: \" \" }\n",
      kGrpcClient));
  ASSERT_TRUE(t.ok()) << t.status();
  absl::StatusOr<RenderedReplica> r = RenderReplica(*t, Replica(0));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->process.argv,
            (Strings{"node", "--me=validator1",
                     "--peers=validator2@127.0.0.1/9010//keys/1.pub "
                     "validator3@127.0.0.1/9020//keys/2.pub",
                     "--key=/keys/0.key", "--pub=/keys/0.pub", "--all=/keys", "2F;3L;"}));
}

TEST(TargetRenderTest, ProgramClientRendersItsCommandEnvCwdAndFiles) {
  absl::StatusOr<TargetSpec> t = Parse(Target(
      "ids: { client: \"client-{{index}}\" }\n", "  command: [node]\n",
      "  program:\n"
      "    command: [\"{{target_dir}}/client\", \"--id={{id}}\", \"--key={{key}}\", "
      "\"--n={{n}}\", \"--f={{f}}\",\n"
      "              \"{{#replicas}}{{id}}={{addr}}{{^last}},{{/last}}{{/replicas}}\"]\n"
      "    env: { CLIENT_KEY: \"{{private_key}}\", CLIENT_PUB: \"{{public_key}}\" }\n"
      "    cwd: \"{{workdir}}/cwd\"\n"
      "    files:\n"
      "      - path: \"{{workdir}}/peers\"\n"
      "        template: \"{{#clients}}{{id}}:{{pubkey}} {{/clients}}{{pubkeys}} {{build_dir}}\"\n"
      "    input: stdin\n"
      "    request: \"set {{value}} {{seq}} by {{id}}\"\n"
      "    ack: 'committed (?P<value>\\S+)'\n"));
  ASSERT_TRUE(t.ok()) << t.status();
  absl::StatusOr<RenderedProcess> p = RenderClient(*t, Client(1));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->argv, (Strings{std::string(TURNCOAT_SOURCE_DIR) + "/targets/client", "--id=client-1",
                              "--key=/keys/client-1.key", "--n=3", "--f=0",
                              "0=127.0.0.1:7000,1=127.0.0.1:7001,2=127.0.0.1:7002"}));
  EXPECT_EQ(p->env, (Pairs{{"CLIENT_KEY", "PRIV-client-1"}, {"CLIENT_PUB", "PUB-client-1"}}));
  EXPECT_EQ(p->cwd, "/run/client-1/cwd");
  EXPECT_EQ(p->files, (Pairs{{"/run/client-1/peers",
                              "client-0:/keys/client-0.pub client-1:/keys/client-1.pub /keys "
                              "/build"}}));

  absl::StatusOr<Strings> line = RenderRequest(*t, Client(1), "tc1-c1-7-x", 7);
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_EQ(*line, Strings{"set tc1-c1-7-x 7 by client-1"});
}

TEST(TargetRenderTest, ProgramClientCwdDefaultsToItsWorkdir) {
  absl::StatusOr<TargetSpec> t =
      Parse(Target("", "  command: [node]\n",
                   "  program: { command: [client], input: stdin, request: \"{{value}}\", "
                   "ack: '(?P<value>.*)' }\n"));
  ASSERT_TRUE(t.ok()) << t.status();
  absl::StatusOr<RenderedProcess> p = RenderClient(*t, Client(0));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->argv, Strings{"client"});
  EXPECT_EQ(p->cwd, "/run/client-0");
  EXPECT_TRUE(p->env.empty());
  EXPECT_TRUE(p->files.empty());
}

TEST(TargetRenderTest, ArgsRequestIsOneArgumentPerTemplate) {
  absl::StatusOr<TargetSpec> t =
      Parse(Target("", "  command: [node]\n",
                   "  program:\n"
                   "    command: [client, \"--to={{#replicas}}{{#first}}{{addr}}{{/first}}"
                   "{{/replicas}}\"]\n"
                   "    input: args\n"
                   "    request: [put, \"{{value}}\", \"--seq={{seq}}\", \"{{number}}\"]\n"
                   "    ack: 'ok (?P<value>.*)'\n"));
  ASSERT_TRUE(t.ok()) << t.status();
  absl::StatusOr<RenderedProcess> p = RenderClient(*t, Client(0));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->argv, (Strings{"client", "--to=127.0.0.1:7000"}));
  // A value with spaces stays one argument.
  absl::StatusOr<Strings> args = RenderRequest(*t, Client(0), "a value", 123456789012);
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ(*args, (Strings{"put", "a value", "--seq=123456789012", "1"}));
}

TEST(TargetRenderTest, CommitFileRendersWithReplicaVariables) {
  std::string text =
      Target("ids: { replica: \"n{{index}}\" }\n", "  command: [node]\n", kGrpcClient);
  const std::string from = "commits: { stream: stdout,";
  text.replace(text.find(from), from.size(),
               "commits: { stream: file, path: \"{{workdir}}/{{id}}-{{listen_port}}.log\",");
  absl::StatusOr<TargetSpec> t = Parse(text);
  ASSERT_TRUE(t.ok()) << t.status();
  absl::StatusOr<RenderedReplica> r = RenderReplica(*t, Replica(2));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->commit_file, "/run/r2/n2-7002.log");
}

TEST(TargetRenderTest, ReplicaAndClientIds) {
  absl::StatusOr<TargetSpec> t =
      Parse(Target("ids: { replica: \"node-{{number}}\", client: \"cli{{index}}\" }\n",
                   "  command: [node]\n", kGrpcClient));
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(*ReplicaId(*t, 0), "node-1");
  EXPECT_EQ(*ReplicaId(*t, 9), "node-10");
  EXPECT_EQ(*ClientId(*t, 3), "cli3");
}

TEST(TargetRenderTest, IdsDefaultToTheIndex) {
  absl::StatusOr<TargetSpec> t = Parse(Target("", "  command: [node]\n", kGrpcClient));
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(*ReplicaId(*t, 4), "4");
  EXPECT_EQ(*ClientId(*t, 0), "0");
}

}  // namespace
}  // namespace turncoat
