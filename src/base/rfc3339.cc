#include "base/rfc3339.h"

#include <chrono>
#include <ctime>

namespace pedia {
namespace {

// Reads exactly n decimal digits at pos; false when any is missing.
bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos > s.size() || n > s.size() - pos) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

bool ParseRfc3339(std::string_view t, int64_t* unix_ms) {
  int y, mo, d, h, mi, s;
  if (!Digits(t, 0, 4, &y) || t.size() < 20 || t[4] != '-' || !Digits(t, 5, 2, &mo) || t[7] != '-' ||
      !Digits(t, 8, 2, &d) || (t[10] != 'T' && t[10] != 't' && t[10] != ' ') || !Digits(t, 11, 2, &h) || t[13] != ':' ||
      !Digits(t, 14, 2, &mi) || t[16] != ':' || !Digits(t, 17, 2, &s)) {
    return false;
  }
  // year_month_day::ok() knows month lengths and leap years, so 2023-02-29
  // and 2024-04-31 fail here rather than silently rolling into the next month.
  const std::chrono::year_month_day date{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(mo)},
                                         std::chrono::day{static_cast<unsigned>(d)}};
  if (!date.ok() || h > 23 || mi > 59 || s > 60) return false;
  size_t i = 19;
  int64_t frac_ms = 0;
  if (i < t.size() && t[i] == '.') {
    ++i;
    const size_t start = i;
    int64_t scale = 100;  // digits past the third only need to be digits
    for (; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i) {
      frac_ms += (t[i] - '0') * scale;
      scale /= 10;
    }
    if (i == start) return false;
  }
  int64_t offset_s = 0;
  if (i < t.size() && (t[i] == 'Z' || t[i] == 'z')) {
    ++i;
  } else if (i < t.size() && (t[i] == '+' || t[i] == '-')) {
    int oh, om;
    if (!Digits(t, i + 1, 2, &oh) || i + 3 >= t.size() || t[i + 3] != ':' || !Digits(t, i + 4, 2, &om) || oh > 23 ||
        om > 59) {
      return false;
    }
    offset_s = (t[i] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    i += 6;
  } else {
    return false;
  }
  if (i != t.size()) return false;
  const int64_t days = std::chrono::sys_days(date).time_since_epoch().count();
  const int64_t secs = days * 86400 + h * 3600 + mi * 60 + s - offset_s;
  // The fraction is added, never subtracted, so before 1970 too the result
  // stays at or after the whole second the text names.
  *unix_ms = secs * 1000 + frac_ms;
  return true;
}

bool ParseRfc3339Seconds(std::string_view text, int64_t* unix_seconds) {
  int64_t ms = 0;
  if (!ParseRfc3339(text, &ms)) return false;
  // Floor, not C++'s truncation toward zero: -0.5 s is in second -1.
  *unix_seconds = ms / 1000 - (ms % 1000 < 0 ? 1 : 0);
  return true;
}

std::string NowRfc3339() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace pedia
