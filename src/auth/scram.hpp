#pragma once
/// SCRAM-SHA-256 for pgwarden: the stored secret, the server side (authenticating clients) and
/// the client side (authenticating to PostgreSQL). See each header for the contracts.

#include "auth/saslprep.hpp"       // IWYU pragma: export
#include "auth/scram_client.hpp"   // IWYU pragma: export
#include "auth/scram_failure.hpp"  // IWYU pragma: export
#include "auth/scram_secret.hpp"   // IWYU pragma: export
#include "auth/scram_server.hpp"   // IWYU pragma: export
