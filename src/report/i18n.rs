//! Every label of the report in Chinese and English: one table, looked up by key, so each
//! renderer is written once for both languages.

use serde::Serialize;

/// The report's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Chinese (简体中文), the default with the built-in Chinese profile.
    Zh,
    /// English.
    En,
}

/// (key, Chinese, English).
const TABLE: &[(&str, &str, &str)] = &[
    ("title", "呼叫中心服务质量认证 审核报告 (YD/T 2823-2015, CMM-525-0006)", "Call-center service quality certification: audit report (YD/T 2823-2015, CMM-525-0006)"),
    ("period", "统计周期", "Period"),
    ("interval", "统计间隔", "Interval"),
    ("min_unit", "分钟", "minutes"),
    ("source", "数据来源", "Source"),
    ("source_store", "证据库", "evidence store"),
    ("source_files", "输入文件", "input files"),
    ("queue", "队列", "Queue"),
    ("intro", "本报告按认证规则附录 A.4 列出各项绩效指标的目标值与实际值，按月（呼叫中心所在时区）、按队列及全中心统计；各比率均由可加总的计数重新计算，而非对比率求平均。", "This report lists each performance indicator's target and actual value as appendix A.4 of the rule asks, per month (in the center's time zone), per queue and center-wide; every ratio is recomputed from additive counts, never averaged."),
    ("h_a4", "1. 绩效指标：目标值与实际值（附录 A.4）", "1. Performance indicators: target and actual (appendix A.4)"),
    ("a4_note", "系数为规则给出的折算系数（9.3.2 平均应答速度，9.3.3 接通率）。“无来电”表示该月没有人工呼入；“无数据”表示数据中没有该项（如满意度调查、投诉、预测），不作 0 处理。", "Coefficients are the rule's scoring coefficients (9.3.2 ASA, 9.3.3 answer rate). \"no calls\" means no call was offered to a person that month; \"no data\" means the data holds nothing on the criterion (surveys, complaints, forecasts): never counted as 0."),
    ("scope", "范围", "Scope"),
    ("criterion", "指标", "Criterion"),
    ("clause", "条款", "Clause"),
    ("target", "目标值", "Target"),
    ("actual", "实际值", "Actual"),
    ("coefficient", "折算系数", "Coefficient"),
    ("result", "结论", "Result"),
    ("service_level", "服务水平", "Service level"),
    ("answer_rate", "接通率", "Answer rate"),
    ("asa", "平均应答速度", "Average speed of answer"),
    ("availability", "系统可用性", "System availability"),
    ("outage_recovery", "系统故障恢复时间（最长一次）", "Outage recovery (longest)"),
    ("satisfaction", "整体满意度", "Overall satisfaction"),
    ("complaints_on_time", "投诉按期办结率", "Complaints closed on time"),
    ("forecast_accuracy", "业务量预测准确度", "Forecast accuracy"),
    ("offered", "人工呼入量", "Offered"),
    ("answered", "人工接听量", "Answered"),
    ("within", "时限内接听量", "Answered within threshold"),
    ("abandoned", "放弃量", "Abandoned"),
    ("aht", "平均处理时长", "AHT"),
    ("occupancy", "座席占用率", "Occupancy"),
    ("no_data", "无数据", "no data"),
    ("no_calls", "无来电", "no calls"),
    ("met", "达标", "met"),
    ("not_met", "未达标", "not met"),
    ("center", "全中心", "Center"),
    ("h_score", "2. 运营效率评价得分（第 12 章，附录 C.3）", "2. Operational-efficiency score (chapter 12, appendix C.3)"),
    ("score_note", "指标得分：服务水平达到 80% 得 100 分，低于 80% 按比例折算（100 × 服务水平 / 80%），规则未给出该折算方法，此为 callpulse 的选择；平均应答速度与接通率得分 = 100 × 规则折算系数。员工利用率（9.3.4）规则未给出计算公式，本报告只列出座席占用率，不计分：加权得分覆盖运营效率组 40% 权重中的 35%（服务水平 15% + 平均应答速度 10% + 接通率 10%）。", "Indicator scores: a service level of 80 % or more scores 100, below that proportionally (100 × SL / 80 %): the rule gives no such mapping, this is callpulse's choice. ASA and answer-rate scores are 100 × the rule's coefficient. Utilisation (9.3.4) has no formula in the rule: occupancy is shown but not scored, so the weighted points cover 35 % (service level 15 % + ASA 10 % + answer rate 10 %) of the group's 40 %."),
    ("month", "月份", "Month"),
    ("sl_score", "服务水平得分 (15%)", "SL score (15%)"),
    ("asa_score", "平均应答速度得分 (10%)", "ASA score (10%)"),
    ("ar_score", "接通率得分 (10%)", "Answer-rate score (10%)"),
    ("utilisation", "员工利用率 (5%)", "Utilisation (5%)"),
    ("points", "加权得分", "Weighted points"),
    ("score_of_covered", "已计分部分折合百分制", "Score of what is scored (0–100)"),
    ("not_scored", "不计分，占用率", "not scored, occupancy"),
    ("weights_note", "附录 C 各组权重照原文列出。注意：原文四组权重合计为 185%，并非 100%，本报告照原文列出，不作调整。", "The weights of appendix C as printed. Note: the printed weights of the four groups add up to 185 %, not 100 %; the report shows them as printed and does not rescale them."),
    ("group", "评价组", "Group"),
    ("indicators", "二级指标权重", "Indicator weights"),
    ("group_sum", "合计", "Sum"),
    ("group_quality", "服务质量", "Service quality"),
    ("group_satisfaction", "客户满意度", "Customer satisfaction"),
    ("group_operations", "运营效率", "Operational efficiency"),
    ("group_technical", "技术支持", "Technical support"),
    ("w_conformity", "服务规范性", "conformity"),
    ("w_professionalism", "服务专业性", "professionalism"),
    ("w_efficiency", "服务效率", "efficiency"),
    ("w_responsiveness", "服务响应性", "responsiveness"),
    ("w_overall", "整体满意度", "overall satisfaction"),
    ("w_targeted", "专项满意度", "targeted satisfaction"),
    ("w_loyalty", "客户忠诚度", "loyalty"),
    ("w_complaints", "客户投诉处理", "complaint handling"),
    ("w_service_level", "服务水平", "service level"),
    ("w_asa", "平均应答速度", "ASA"),
    ("w_answer_rate", "接通率", "answer rate"),
    ("w_utilisation", "员工利用率", "utilisation"),
    ("w_stability", "系统稳定性", "system stability"),
    ("w_support", "技术支持能力", "support capability"),
    ("w_security", "数据安全性", "data security"),
    ("w_performance", "系统性能", "system performance"),
    ("weights_total", "四组合计（照原文）", "All four groups (as printed)"),
    ("h_stability", "3. 服务水平稳定性（9.3.1）", "3. Service-level stability (9.3.1)"),
    ("stability_note", "离散系数 = 各月服务水平的总体标准差 / 平均值（仅计有来电的月份，至少两个月）；得分须达到 75 分。规则未给出离散系数与得分的对应关系，按配置 [stability] 折算：", "Coefficient of variation = population standard deviation / mean of the monthly service levels (months with calls, at least two); the score must reach 75. The rule gives no mapping from CV to score; the configured [stability] bands apply:"),
    ("monthly_sl", "各月服务水平", "Monthly service levels"),
    ("cv", "离散系数", "CV"),
    ("stability_score", "稳定性得分", "Stability score"),
    ("needs_two_months", "需两个有来电的月份", "needs two months with calls"),
    ("h_availability", "4. 系统可用性与故障恢复（9.4.1，11.2.1）", "4. System availability and outage recovery (9.4.1, 11.2.1)"),
    ("system", "系统", "System"),
    ("down_time", "故障时长", "Down time"),
    ("outages", "故障次数", "Outages"),
    ("longest", "最长一次", "Longest"),
    ("center_all", "全中心（任一组件故障）", "Center (any component down)"),
    ("h_outages", "每次故障与 30 分钟恢复时限", "Every outage against the 30-minute limit"),
    ("no_outages", "统计周期内没有故障。", "No outage in the period."),
    ("start", "开始", "Start"),
    ("end", "结束", "End"),
    ("duration", "时长", "Duration"),
    ("cause", "原因", "Cause"),
    ("limit_30", "≤ 30 分钟", "≤ 30 min"),
    ("still_down", "输入结束时仍未恢复", "still down where the input ends"),
    ("over_30", "超过 30 分钟", "longer than 30 min"),
    ("h_alerts", "5. 告警记录", "5. Alert history"),
    ("alerts_none_files", "由输入文件生成的报告没有告警记录（告警只由 callpulse run 写入证据库）。", "A report from input files has no alert history (alerts are kept in the evidence store by callpulse run)."),
    ("alerts_none", "统计周期内没有告警触发。", "No alert fired in the period."),
    ("fired", "触发次数", "Fired"),
    ("firing_total", "触发总时长", "Total firing time"),
    ("firing_longest", "最长一次", "Longest"),
    ("still_firing", "期末仍在触发", "Still firing at the end"),
    ("subjects", "对象", "For"),
    ("h_completeness", "6. 数据完整性", "6. Data completeness"),
    ("expected", "应有间隔数", "Intervals expected"),
    ("with_records", "有记录的间隔", "Intervals with records"),
    ("with_calls", "有来电的间隔", "Intervals with calls"),
    ("without_calls", "无来电的间隔", "Intervals without calls"),
    ("total", "合计", "Total"),
    ("events_read", "读取事件数", "Events read"),
    ("events_accepted", "接受事件数", "Events accepted"),
    ("events_rejected", "拒绝事件数", "Events rejected"),
    ("rejected_by", "原因", "reason"),
    ("duplicates", "重复事件", "Duplicates"),
    ("late", "迟到事件", "Late events"),
    ("revisions", "记录修订次数", "Revisions"),
    ("records_read_kept", "间隔记录：读取 / 采用（同一间隔取最新修订）", "Interval records read / kept (latest revision of each)"),
    ("quality_no_calls", "证据库质量记录中无来电的间隔", "Quality rows of intervals without calls"),
    ("events_cover_range", "事件计数为证据库中本统计周期各间隔的数据质量记录之和。", "Event counts are the sum of the evidence store's data-quality rows of the period's intervals."),
    ("events_cover_input", "事件计数为全部输入文件的统计（不限于统计周期）。", "Event counts cover the whole input files (not only the period)."),
    ("figure", "项目", "Figure"),
    ("count", "数量", "Count"),
    ("h_provenance", "7. 数据来源核验", "7. Provenance"),
    ("provenance_store", "本报告使用的证据库记录范围如下。审核员可运行下列命令核验哈希链，并将其最后一行（行号与哈希）与“最后一行”对照：", "The rows of the evidence store this report used. An auditor checks the hash chain with the command below and compares its last line (row number and hash) with the store's last row:"),
    ("row", "行号", "Row"),
    ("hash", "哈希 (SHA-256)", "Hash (SHA-256)"),
    ("first_row", "使用的第一行", "First row used"),
    ("last_row", "使用的最后一行", "Last row used"),
    ("head_row", "证据库最后一行", "Last row of the store"),
    ("rows_used", "使用的行数", "Rows used"),
    ("signing_key", "签名公钥指纹（Ed25519 公钥的 SHA-256）", "Signing key fingerprint (SHA-256 of the Ed25519 public key)"),
    ("unsigned", "未签名", "unsigned"),
    ("provenance_files", "本报告由以下输入文件生成（SHA-256 为文件原始字节的摘要）：", "This report was computed from these input files (SHA-256 of each file's bytes as read):"),
    ("file", "文件", "File"),
    ("bytes", "字节数", "Bytes"),
    ("stdin", "标准输入，无摘要", "stdin, no digest"),
    ("h_definitions", "8. 口径说明", "8. Definitions"),
    ("def_month", "月份按呼叫中心所在时区划分：一个间隔属于其开始时刻所在的当地月份（如 2026-10-31T23:45+08:00 开始的间隔属于 10 月）。", "Months follow the center's time zone: an interval belongs to the local month in which it starts (an interval starting 2026-10-31T23:45+08:00 belongs to October)."),
    ("def_revision", "同一范围、同一间隔有多次修订时，只采用最新修订。", "Where an interval of a scope was revised, only its latest revision counts."),
    ("def_nodata", "没有分母的比率显示为“无来电”或“无数据”，从不显示为 0。", "A ratio without a denominator shows as \"no calls\" or \"no data\", never as 0."),
    ("def_sums", "月度数值由各间隔可加总的计数相加后按规则公式重新计算（服务水平 = 20 秒内人工接听量 / 人工呼入量，等等）。", "Monthly figures add up the intervals' additive counts and apply the rule's formulas to the sums (service level = answered within 20 s / offered, and so on)."),
];

/// The label `key` in `lang`. Panics on an unknown key: a renderer bug the tests catch.
pub fn t(lang: Lang, key: &str) -> &'static str {
    let (_, zh, en) = TABLE
        .iter()
        .find(|(k, _, _)| *k == key)
        .unwrap_or_else(|| panic!("no label {key:?}"));
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_once_and_both_languages_filled() {
        let mut keys: Vec<&str> = TABLE.iter().map(|(k, _, _)| *k).collect();
        keys.sort_unstable();
        let n = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), n, "a key appears twice");
        assert!(TABLE
            .iter()
            .all(|(_, zh, en)| !zh.is_empty() && !en.is_empty()));
        assert_eq!(t(Lang::Zh, "met"), "达标");
        assert_eq!(t(Lang::En, "met"), "met");
    }
}
