/*
 * aimcsim_tlm.h -- aimcsim as a SystemC/TLM-2.0 target (docs/library.md).
 *
 * A header-only sc_module over the C API of aimcsim.h: its target socket
 * takes, through b_transport, a run request or a command stream, simulates
 * it, advances the caller's time by the simulated latency and returns the
 * statistics.  The only C++ of aimcsim besides its kernel shim; build a
 * platform with `pkg-config --cflags --libs aimcsim systemc`.
 *
 * Address map (the payload's address; data as the command says):
 *
 *   RUN      0x0000  write: run the design point; the data is overrides,
 *                    one "section.key=value" per line (may be empty), applied
 *                    to this request only, after the target's own
 *   EXEC     0x1000  write: execute the data as a command stream (text or
 *                    gzip, docs/command-stream.md) on the design point's chip
 *   LENGTH   0x2000  read, 8 bytes: the length of the last result's text,
 *                    little-endian
 *   ERROR    0x3000  read from ERROR + o (o < 0x1000): the last error message
 *   RESULT   0x10000000  read from RESULT + o (o < 0x10000000): the last
 *                    result as "name,value" lines (stats.csv's names, values
 *                    as %.17g) from byte o
 *
 * Bytes past the end of a text read as 0.
 *
 * Responses: TLM_OK_RESPONSE; TLM_GENERIC_ERROR_RESPONSE when the request
 * was refused (bad overrides, a malformed stream, a mapping that does not
 * fit: the message is at ERROR and in the extension) or the run failed;
 * TLM_ADDRESS_ERROR_RESPONSE, TLM_COMMAND_ERROR_RESPONSE and
 * TLM_BYTE_ENABLE_ERROR_RESPONSE for what the map does not offer.
 *
 * Time (loosely timed): with [run] kernel = systemc, b_transport first
 * waits the caller's annotated delay, then runs aimcsim's events on this
 * SystemC kernel at their own times, beside the platform's other
 * processes, and returns when the run ends: the caller's time has advanced
 * by run.total_ps, and the delay is zero.  With kernel = native the run
 * takes no SystemC time and its latency is added to the delay, for the
 * caller to wait or to keep as its local time offset.  Either way the
 * request completes at the caller's time plus run.total_ps.  b_transport
 * must be called from a thread process (it may wait).
 *
 * A C++ initiator attaches a result_ext to the payload to receive the
 * status, the message, the latency and every statistic in the same call.
 */
#ifndef AIMCSIM_TLM_H
#define AIMCSIM_TLM_H

#include <aimcsim.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

namespace aimcsim_tlm {

enum : uint64_t {
    RUN = 0x0000,
    EXEC = 0x1000,
    LENGTH = 0x2000,
    ERROR = 0x3000,
    REGION = 0x1000,       /* bytes of each region but RESULT's */
    RESULT = 0x10000000,
    RESULT_END = 0x20000000,
};

/* The result of one request, filled when attached to the payload. */
struct result_ext : tlm::tlm_extension<result_ext> {
    int status = AIMCSIM_OK;                            /* AIMCSIM_* */
    std::string error;                                  /* when status != AIMCSIM_OK */
    uint64_t latency_ps = 0;                            /* run.total_ps */
    std::vector<std::pair<std::string, double>> stats;  /* in stats.csv order */

    /* A statistic by name; 0 and *found = false when absent. */
    double stat(const std::string &name, bool *found = nullptr) const
    {
        for (const auto &s : stats)
            if (s.first == name) {
                if (found)
                    *found = true;
                return s.second;
            }
        if (found)
            *found = false;
        return 0;
    }
    tlm::tlm_extension_base *clone() const override { return new result_ext(*this); }
    void copy_from(const tlm::tlm_extension_base &e) override
    {
        *this = static_cast<const result_ext &>(e);
    }
};

class target : public sc_core::sc_module {
  public:
    tlm_utils::simple_target_socket<target> socket;

    /* config: an INI file or a preset name (aimcsim_open); overrides apply
     * to every request, before the request's own.  A configuration that
     * does not load is reported with SC_REPORT_ERROR. */
    target(sc_core::sc_module_name name, const std::string &config,
           const std::vector<std::string> &overrides = {})
        : sc_core::sc_module(name), socket("socket"), config_(config), overrides_(overrides)
    {
        socket.register_b_transport(this, &target::b_transport);
        char err[1024];
        aimcsim *a = open(err, sizeof err);
        if (!a)
            SC_REPORT_ERROR("aimcsim_tlm", err);
        aimcsim_close(a);
    }

  private:
    std::string config_;
    std::vector<std::string> overrides_;
    std::string text_;  /* the last result as "name,value" lines */
    std::string error_; /* the last error */

    aimcsim *open(char *err, size_t errlen) const
    {
        aimcsim *a = aimcsim_open(config_.c_str(), err, errlen);
        for (size_t i = 0; a && i < overrides_.size(); i++)
            if (aimcsim_set(a, overrides_[i].c_str(), err, errlen) != AIMCSIM_OK) {
                aimcsim_close(a);
                a = nullptr;
            }
        return a;
    }

    /* Bytes [off, off + len) of s into dst, zeros past its end. */
    static void read_text(const std::string &s, uint64_t off, unsigned char *dst, unsigned len)
    {
        for (unsigned i = 0; i < len; i++)
            dst[i] = off + i < s.size() ? (unsigned char)s[off + i] : 0;
    }

    /* The request's own overrides: one "section.key=value" per line. */
    static int apply(aimcsim *a, const unsigned char *data, unsigned len, char *err,
                     size_t errlen)
    {
        std::string text((const char *)data, len), line;
        size_t at = 0;
        while (at <= text.size()) {
            size_t nl = text.find('\n', at);
            line = text.substr(at, nl == std::string::npos ? std::string::npos : nl - at);
            while (!line.empty() && (line.back() == '\r' || line.back() == ' ' ||
                                     line.back() == '\0'))
                line.pop_back();
            if (!line.empty() && aimcsim_set(a, line.c_str(), err, errlen) != AIMCSIM_OK)
                return AIMCSIM_EINPUT;
            if (nl == std::string::npos)
                break;
            at = nl + 1;
        }
        return AIMCSIM_OK;
    }

    /* kernel = systemc when the design point says so (the default). */
    static bool on_systemc(const aimcsim *a)
    {
        char k[32];
        return aimcsim_get(a, "run.kernel", k, sizeof k) == AIMCSIM_OK && !std::strcmp(k, "systemc");
    }

    void simulate(tlm::tlm_generic_payload &p, sc_core::sc_time &delay, bool exec)
    {
        char err[1024] = "";
        aimcsim_result *r = nullptr;
        int rc;
        bool waited = false;
        aimcsim *a = open(err, sizeof err);
        if (!a)
            rc = AIMCSIM_EINPUT;
        else if (!exec)
            rc = apply(a, p.get_data_ptr(), p.get_data_length(), err, sizeof err);
        else
            rc = AIMCSIM_OK;
        if (rc == AIMCSIM_OK) {
            if (on_systemc(a)) { /* the run waits: synchronise first */
                sc_core::wait(delay);
                delay = sc_core::SC_ZERO_TIME;
                waited = true;
            }
            rc = exec ? aimcsim_exec_buffer(a, name(), p.get_data_ptr(), p.get_data_length(),
                                            nullptr, 0, &r, err, sizeof err)
                      : aimcsim_run(a, nullptr, 0, &r, err, sizeof err);
        }
        aimcsim_close(a);
        result_ext *ext = nullptr;
        p.get_extension(ext);
        text_.clear();
        error_ = rc == AIMCSIM_OK ? "" : err;
        uint64_t latency = 0;
        if (r) {
            latency = (uint64_t)aimcsim_stat(r, "run.total_ps", nullptr);
            char num[64];
            for (int i = 0; i < aimcsim_stat_count(r); i++) {
                std::snprintf(num, sizeof num, ",%.17g\n", aimcsim_stat_value(r, i));
                text_ += aimcsim_stat_name(r, i);
                text_ += num;
            }
        }
        if (ext) {
            ext->status = rc;
            ext->error = error_;
            ext->latency_ps = latency;
            ext->stats.clear();
            for (int i = 0; r && i < aimcsim_stat_count(r); i++)
                ext->stats.emplace_back(aimcsim_stat_name(r, i), aimcsim_stat_value(r, i));
        }
        aimcsim_result_free(r);
        if (rc == AIMCSIM_OK && !waited)
            delay += sc_core::sc_time((double)latency, sc_core::SC_PS);
        p.set_response_status(rc == AIMCSIM_OK ? tlm::TLM_OK_RESPONSE
                                               : tlm::TLM_GENERIC_ERROR_RESPONSE);
    }

    void b_transport(tlm::tlm_generic_payload &p, sc_core::sc_time &delay)
    {
        uint64_t addr = p.get_address();
        uint64_t base = addr >= RESULT && addr < RESULT_END ? (uint64_t)RESULT
                                                             : addr & ~(uint64_t)(REGION - 1);
        uint64_t off = addr - base;
        if (p.get_byte_enable_ptr()) {
            p.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
            return;
        }
        bool write = p.is_write(), read = p.is_read();
        if ((base == RUN || base == EXEC) && off == 0) {
            if (!write)
                p.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
            else
                simulate(p, delay, base == EXEC);
            return;
        }
        if ((base == LENGTH && off == 0) || base == RESULT || base == ERROR) {
            if (!read) {
                p.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
                return;
            }
            unsigned char *d = p.get_data_ptr();
            unsigned len = p.get_data_length();
            if (base == LENGTH) {
                uint64_t n = text_.size();
                for (unsigned i = 0; i < len; i++)
                    d[i] = i < 8 ? (unsigned char)(n >> (8 * i)) : 0;
            } else {
                read_text(base == RESULT ? text_ : error_, off, d, len);
            }
            p.set_response_status(tlm::TLM_OK_RESPONSE);
            return;
        }
        p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    }
};

} // namespace aimcsim_tlm

#endif
