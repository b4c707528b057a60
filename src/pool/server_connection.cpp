#include "pool/server_connection.hpp"

namespace pgw::pool {

const std::string* ParameterSet::find(std::string_view name) const {
  for (const auto& [key, value] : items_) {
    if (key == name) return &value;
  }
  return nullptr;
}

void ParameterSet::set(std::string_view name, std::string_view value) {
  for (auto& [key, current] : items_) {
    if (key == name) {
      current.assign(value);
      return;
    }
  }
  items_.emplace_back(std::string(name), std::string(value));
}

ServerConnection::ServerConnection(net::Stream stream, BackendAddress address, std::uint64_t id)
    : stream_(std::move(stream)), address_(std::move(address)), id_(id) {}

}  // namespace pgw::pool
