#include "admin/http_types.hpp"

#include <nlohmann/json.hpp>

namespace pgw::admin {

HttpResponse json_error(int status, std::string_view message) {
  HttpResponse response;
  response.status = status;
  nlohmann::json body = {{"error", message}};
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

std::string_view target_path(std::string_view target) {
  return target.substr(0, target.find_first_of("?#"));
}

}  // namespace pgw::admin
