// Fuzz entry point for DUMP payloads (persistence/dump_payload.h): the bytes any client can hand
// to RESTORE.
#pragma once

#include <cstddef>
#include <cstdint>

namespace rill::fuzz {

// Checks the payload decoder's contract: no crash, leak or undefined behaviour on any bytes;
// VerifyDumpPayload accepts exactly the payloads whose footer is right; a refused value carries
// a message; an accepted one is a string or a non-empty container, and DUMP of it (through
// RdbWriter) verifies and restores again to a value of the same type and size. Aborts on a
// violation.
//
// The first byte chooses the framing: even, the rest is a whole payload (footer included, as
// RESTORE gets it); odd, the rest is a value body given a right footer, so that mutations reach
// the value decoders past the checksum.
void RunDumpPayloadInput(const uint8_t* data, size_t size);

}  // namespace rill::fuzz
