/*
 * test_cmd.c -- the op table of sim/cmd.h and the name tables of
 * sim/unit.h: complete, consistent, and what the engine keeps of a command
 * (cmd_work) derived from it field by field.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "sim/cmd.h"
#include "sim/unit.h"

Test(cmd, op_table_consistent)
{
    for (int op = 0; op < CMD_OPS; op++) {
        const cmd_op_desc *d = cmd_op(op);
        cr_assert_not_null(d);
        cr_expect_eq(cmd_op_parse(d->name), op, "%s", d->name);
        cr_expect_neq(d->units, 0, "%s runs on no unit kind", d->name);
        cr_expect_lt(d->power, PW_COMPONENTS);
        int slot_used[CMD_ARGS] = {0};
        for (int i = 0; i < d->nfields; i++) {
            const cmd_field *f = &d->fields[i];
            cr_expect_not_null(f->key);
            if (f->arg >= 0) {
                cr_assert_lt(f->arg, CMD_ARGS, "%s.%s", d->name, f->key);
                cr_expect_eq(slot_used[f->arg]++, 0, "%s: slot %d used twice", d->name, f->arg);
            }
            if (f->type == CF_WORD)
                cr_expect(f->words && f->nwords >= 2, "%s.%s", d->name, f->key);
            if (f->type == CF_UINT)
                cr_expect(f->size == 1 || f->size == 4 || f->size == 8);
            cr_expect_leq((size_t)f->offset + (f->type == CF_SET ? sizeof(cmd_set) : f->size),
                          sizeof(cmd));
        }
    }
    cr_expect_null(cmd_op(CMD_OPS));
    cr_expect_null(cmd_op(-1));
}

Test(cmd, name_tables_complete)
{
    for (int i = 0; i < STALL_CAUSES; i++)
        cr_expect(stall_cause_names[i] && stall_cause_labels[i], "stall %d", i);
    for (int i = 0; i < E_PARTS; i++)
        cr_expect_not_null(energy_part_names[i], "energy part %d", i);
    for (int i = 0; i < AREA_ROWS; i++)
        cr_expect(area_row_names[i] && area_row_labels[i], "area row %d", i);
    for (int i = 0; i < PW_COMPONENTS; i++)
        cr_expect_not_null(power_comp_names[i], "power component %d", i);
}

Test(cmd, work_keeps_counts_and_operands)
{
    cmd c;
    memset(&c, 0, sizeof c);
    c.id = 7;
    c.op = CMD_ACT;
    c.unit = UNIT(UNIT_TILE, 3);
    c.tag = 2;
    c.u.act.rows = (cmd_set){1, {{0, 256}}};
    c.u.act.cols = (cmd_set){2, {{0, 128}, {192, 32}}};
    c.u.act.slices = 1;
    c.u.act.bits = 8;
    cmd_work w;
    cmd_work_of(&c, &w);
    cr_expect_eq(w.id, 7);
    cr_expect_eq(w.tag, 2);
    cr_expect_eq(w.unit, UNIT(UNIT_TILE, 3));
    cr_expect_eq(w.arg[0], 256);        /* rows */
    cr_expect_eq(w.arg[1], 128 + 32);   /* columns: the set's count */
    cr_expect_eq(w.arg[2], 1);
    cr_expect_eq(w.arg[3], 8);

    memset(&c, 0, sizeof c);
    c.op = CMD_MEM;
    c.unit = UNIT(UNIT_DRAM, 0);
    c.u.mem.write = 1;
    c.u.mem.addr = 1ull << 40;
    c.u.mem.bytes = 64;
    cmd_work_of(&c, &w);
    cr_expect_eq(w.arg[0], 1);
    cr_expect_eq(w.arg[1], 1ull << 40);
    cr_expect_eq(w.arg[2], 64);
}

Test(cmd, message_lists)
{
    char buf[160];
    cmd_op_list(buf, sizeof buf);
    cr_expect_str_eq(buf, "act, xfer, mem, dig, sync, mark, prog, fixed, delay or mcast");
    cmd_units_list(CMD_UNITS(UNIT_SRAM) | CMD_UNITS(UNIT_DRAM), buf, sizeof buf);
    cr_expect_str_eq(buf, "an sram or a dram");
    cmd_units_list(CMD_UNITS(UNIT_TILE), buf, sizeof buf);
    cr_expect_str_eq(buf, "a tile");
    cmd_word_list(&cmd_op(CMD_MEM)->fields[0], buf, sizeof buf);
    cr_expect_str_eq(buf, "read or write");
}
