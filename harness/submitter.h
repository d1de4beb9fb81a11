// Submitter: how one kind of client hands a value to the system under test
// (a unary gRPC call, the system's own client program). WorkloadRunner
// decides when each client sends which value and how many it keeps in
// flight; a Submitter only carries out one submission and records it.
//
// Every submission a Submitter makes is recorded through the workload's
// sink as a Submit event right before the value leaves and an Ack event
// once it is settled (accepted, refused, failed or past its deadline).
//
// Thread-safety: Submit and AwaitReady are called concurrently from the
// clients' slot threads (several per client when a client keeps several
// values in flight). Start and Shutdown are called once each, from one
// thread, before the first and after the last of those calls.
#ifndef TURNCOAT_HARNESS_SUBMITTER_H_
#define TURNCOAT_HARNESS_SUBMITTER_H_

#include <cstdint>
#include <string>

namespace turncoat {

class Submitter {
 public:
  virtual ~Submitter() = default;

  // Starts what lives as long as the run (a long-lived client program).
  virtual void Start() {}

  // Blocks until `client` can take a value now. False when it never will
  // again: the workload stops, or the client has given up.
  virtual bool AwaitReady(int client) { return true; }

  // Submits value number `seq` of `client` and returns once it is settled,
  // its Submit and Ack events recorded. True if the system answered
  // (accepted or refused the value); false if it could not be reached or
  // did not answer in time.
  virtual bool Submit(int client, int64_t seq, const std::string& value) = 0;

  // Ends what Start started; idempotent. After it, Submit is not called.
  virtual void Shutdown() {}
};

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_SUBMITTER_H_
