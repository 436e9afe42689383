/*
 * tlm_platform.cc -- a SystemC platform with aimcsim as a TLM-2.0 target
 * (aimcsim_tlm.h, docs/library.md): a 1 GHz clock, a cycle counter, and an
 * initiator thread that sends the accelerator requests.
 *
 *   c++ -std=c++17 tlm_platform.cc $(pkg-config --cflags --libs aimcsim systemc) -o tlm_platform
 *   ./tlm_platform [CONFIG]        (default: the gpt2-small-densemap preset)
 *
 * The initiator runs the design point on aimcsim's systemc kernel (the
 * platform's time advances while the run's events execute; the clock keeps
 * ticking), then on its native kernel (the latency comes back as the
 * annotated delay), checks that both take the same time, give the same
 * statistics and that the platform's time advanced by exactly that
 * latency; executes a hand-written command stream; reads the result back
 * through the address map; and sends a bad request.  Exit status 0 when
 * every check holds.
 */
#include <aimcsim_tlm.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <cstdio>
#include <cstring>
#include <string>

using namespace sc_core;

/* Counts the clock's rising edges. */
SC_MODULE(counter)
{
    sc_in<bool> clk;
    uint64_t ticks = 0;
    void tick() { ticks++; }
    SC_CTOR(counter)
    {
        SC_METHOD(tick);
        sensitive << clk.pos();
        dont_initialize();
    }
};

SC_MODULE(initiator)
{
    tlm_utils::simple_initiator_socket<initiator> socket;
    const counter *cnt = nullptr;
    int failures = 0;

    void check(bool ok, const char *what)
    {
        if (!ok) {
            std::printf("FAILED: %s\n", what);
            failures++;
        }
    }

    /* A write of text to addr, with a result extension; returns its status. */
    tlm::tlm_response_status send(uint64_t addr, const std::string &data,
                                  aimcsim_tlm::result_ext &ext, sc_time &delay)
    {
        tlm::tlm_generic_payload p;
        std::string buf = data;
        p.set_command(tlm::TLM_WRITE_COMMAND);
        p.set_address(addr);
        p.set_data_ptr((unsigned char *)&buf[0]);
        p.set_data_length((unsigned)buf.size());
        p.set_streaming_width((unsigned)buf.size());
        p.set_extension(&ext);
        socket->b_transport(p, delay);
        p.clear_extension(&ext);
        return p.get_response_status();
    }

    void read(uint64_t addr, unsigned char *d, unsigned len)
    {
        tlm::tlm_generic_payload p;
        sc_time delay = SC_ZERO_TIME;
        p.set_command(tlm::TLM_READ_COMMAND);
        p.set_address(addr);
        p.set_data_ptr(d);
        p.set_data_length(len);
        p.set_streaming_width(len);
        socket->b_transport(p, delay);
        check(p.is_response_ok(), "read of the result");
    }

    /* One run on the given kernel; returns its result. */
    aimcsim_tlm::result_ext run_on(const char *kernel)
    {
        aimcsim_tlm::result_ext ext;
        sc_time delay(10, SC_NS); /* the initiator's local time offset */
        sc_time t0 = sc_time_stamp();
        uint64_t ticks0 = cnt->ticks;
        std::string req = std::string("run.kernel=") + kernel + "\n";
        tlm::tlm_response_status st = send(aimcsim_tlm::RUN, req, ext, delay);
        check(st == tlm::TLM_OK_RESPONSE, ext.error.c_str());
        sc_time during = sc_time_stamp() - t0;
        uint64_t ticks = cnt->ticks - ticks0;
        wait(delay); /* synchronise: the request completes here */
        double advanced_ps = (sc_time_stamp() - t0).to_seconds() * 1e12;
        std::printf("run on the %s kernel: %.4g us simulated; time advanced %.4g us "
                    "(%.4g us inside b_transport, %llu clock cycles meanwhile)\n",
                    kernel, ext.latency_ps * 1e-6, advanced_ps * 1e-6,
                    during.to_seconds() * 1e6, (unsigned long long)ticks);
        check(ext.latency_ps > 0, "a run takes time");
        check((uint64_t)(advanced_ps + 0.5) == ext.latency_ps + 10000,
              "the caller's time advances by the latency (after its own 10 ns)");
        if (!std::strcmp(kernel, "systemc"))
            check(ticks + 1 >= (ext.latency_ps + 10000) / 1000 &&
                      ticks <= (ext.latency_ps + 10000) / 1000 + 1,
                  "the platform's clock runs during the run");
        else
            check(ticks == 0, "a native run takes no SystemC time");
        return ext;
    }

    void body()
    {
        aimcsim_tlm::result_ext sc = run_on("systemc"), nat = run_on("native");
        bool same = sc.stats.size() == nat.stats.size();
        for (size_t i = 0; same && i < sc.stats.size(); i++)
            same = sc.stats[i] == nat.stats[i];
        std::printf("both kernels: %zu statistics, %s\n", sc.stats.size(),
                    same ? "identical" : "DIFFERENT");
        check(same && !sc.stats.empty(), "both kernels give the same statistics");

        /* A stream written by hand: two activations on two arrays, at the
         * resolution the design point's ADCs are built for (3 bits). */
        const char *stream = "aimcsim-cmd 1\nunits tile=2 cluster=0 sram=0 dram=0\n"
                             "tag 0 -1 other\ntag 1 0 proj\n"
                             "0 act tile0 rows=0:256 cols=0:256 slices=1 bits=3 tag=1 deps=\n"
                             "1 act tile1 rows=0:256 cols=0:64 slices=1 bits=3 tag=1 deps=0\n"
                             "2 mark - token value=0 tag=0 deps=1\nend 3\n";
        aimcsim_tlm::result_ext ex;
        sc_time delay = SC_ZERO_TIME, t0 = sc_time_stamp();
        tlm::tlm_response_status st = send(aimcsim_tlm::EXEC, stream, ex, delay);
        check(st == tlm::TLM_OK_RESPONSE, ex.error.c_str());
        wait(delay);
        std::printf("exec of a 2-array stream: %.4g ns, %g activations, %g conversions\n",
                    ex.latency_ps * 1e-3, ex.stat("tile.activations"),
                    ex.stat("adc.conversions"));
        check(ex.stat("tile.activations") == 2 && ex.stat("adc.conversions") == 320,
              "the stream's two activations and 256 + 64 conversions");
        check(sc_time_stamp() - t0 == sc_time((double)ex.latency_ps, SC_PS),
              "the stream's latency");

        /* The same result through the address map. */
        unsigned char len8[8];
        read(aimcsim_tlm::LENGTH, len8, 8);
        uint64_t n = 0;
        for (int i = 7; i >= 0; i--)
            n = n << 8 | len8[i];
        std::string text(n, '\0');
        read(aimcsim_tlm::RESULT, (unsigned char *)&text[0], (unsigned)n);
        check(text.find("\nadc.conversions,320\n") != std::string::npos,
              "the result read back through the address map");
        std::printf("result through the address map: %llu bytes\n", (unsigned long long)n);

        /* Bad input: refused, with the message, and no time passes. */
        aimcsim_tlm::result_ext bad;
        delay = SC_ZERO_TIME;
        t0 = sc_time_stamp();
        st = send(aimcsim_tlm::RUN, "adc.count=0\n", bad, delay);
        std::printf("bad request: %s\n", bad.error.c_str());
        check(st == tlm::TLM_GENERIC_ERROR_RESPONSE && bad.status == AIMCSIM_EINPUT &&
                  sc_time_stamp() == t0,
              "a bad override is refused");
        std::printf("%s\n", failures ? "platform: checks failed" : "platform: every check holds");
        sc_stop();
    }

    SC_CTOR(initiator) : socket("socket") { SC_THREAD(body); }
};

int sc_main(int argc, char **argv)
{
    const char *config = argc > 1 ? argv[1] : "gpt2-small-densemap";
    sc_clock clk("clk", 1, SC_NS);
    counter cnt("counter");
    cnt.clk(clk);
    aimcsim_tlm::target accel("accel", config,
                              {"run.prompt_tokens=4", "run.decode_tokens=2", "run.progress=false"});
    initiator cpu("cpu");
    cpu.cnt = &cnt;
    cpu.socket.bind(accel.socket);
    sc_start();
    return cpu.failures ? 1 : 0;
}
