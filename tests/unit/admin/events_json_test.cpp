#include "admin/events_json.hpp"

#include <gtest/gtest.h>

#include "cluster_fixture.hpp"

namespace pgw::admin {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

cluster::Event make_event(std::uint64_t id, std::optional<std::size_t> node, bool warning) {
  cluster::Event event;
  event.id = id;
  event.time = testing::changed_at() + 45ms;
  event.kind = warning ? "node_failed" : "detach";
  event.node = node;
  event.message = "message " + std::to_string(id);
  event.warning = warning;
  return event;
}

TEST(FormatUtcTimeTest, IsoWithMilliseconds) {
  EXPECT_EQ(format_utc_time(testing::changed_at()), "2024-03-05T14:07:09.000Z");
  EXPECT_EQ(format_utc_time(testing::changed_at() + 1234ms), "2024-03-05T14:07:10.234Z");
  EXPECT_EQ(format_utc_time(std::chrono::system_clock::time_point{}), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_utc_time(std::chrono::system_clock::time_point{} - 1ms),
            "1969-12-31T23:59:59.999Z");
}

TEST(EventsJsonTest, ToJson) {
  const auto state = testing::two_nodes();
  const std::vector<cluster::Event> events = {make_event(3, 1, false),
                                              make_event(4, std::nullopt, true)};
  const json expected = json::parse(R"([
    {"id": 3, "time": "2024-03-05T14:07:09.045Z", "kind": "detach",
     "node": {"id": 1, "name": "pg02"}, "message": "message 3", "warning": false},
    {"id": 4, "time": "2024-03-05T14:07:09.045Z", "kind": "node_failed",
     "node": null, "message": "message 4", "warning": true}
  ])");
  EXPECT_EQ(events_to_json(events, &state), expected);
  EXPECT_EQ(events_to_json(events, nullptr)[0]["node"], json({{"id", 1}, {"name", nullptr}}));
  EXPECT_EQ(events_to_json({}, &state), json::array());
}

TEST(EventsJsonTest, TableForCtl) {
  const auto state = testing::two_nodes();
  const std::vector<cluster::Event> events = {
      make_event(3, 1, false), make_event(4, std::nullopt, true), make_event(5, 7, false)};
  const auto table = events_table_from_json(events_to_json(events, &state));
  ASSERT_TRUE(table) << table.error().message;
  EXPECT_EQ(table->columns, events_columns());
  EXPECT_EQ(format_table(*table),
            " id |           time           |  level  |    kind     | node |  message  \n"
            "----+--------------------------+---------+-------------+------+-----------\n"
            " 3  | 2024-03-05T14:07:09.045Z | info    | detach      | pg02 | message 3\n"
            " 4  | 2024-03-05T14:07:09.045Z | warning | node_failed |      | message 4\n"
            " 5  | 2024-03-05T14:07:09.045Z | info    | detach      | 7    | message 5\n"
            "(3 rows)\n");
}

TEST(EventsJsonTest, TableFromUnexpectedJson) {
  EXPECT_EQ(events_table_from_json(json::object()).error().message,
            "expected a JSON array of events");
  EXPECT_EQ(events_table_from_json(json::parse(R"([{"id": 1}])")).error().message,
            "expected events with \"id\", \"kind\" and \"message\"");
  EXPECT_EQ(events_table_from_json(json::array())->rows.size(), 0u);
}

}  // namespace
}  // namespace pgw::admin
