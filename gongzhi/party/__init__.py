"""Party organisation tree, 双报到, 大党委 joint meetings, social organisations, the three lists (issue: Party-led co-building and volunteers)."""
