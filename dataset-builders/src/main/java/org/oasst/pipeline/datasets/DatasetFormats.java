package org.oasst.pipeline.datasets;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.Function1;

/**
 * Gives the generic examples their published shapes. Conversational columns follow the TRL
 * conventions (lists of {role, content}, roles user/assistant); the text format is the original
 * training code's ({@code <|prompter|>...eos<|assistant|>...eos}); ShareGPT is lists of {from, value}
 * with from human/gpt. Every row also carries its tree id, message ids and language.
 */
public final class DatasetFormats {
  private DatasetFormats() {}

  public static final String PROMPTER_TAG = "<|prompter|>";
  public static final String ASSISTANT_TAG = "<|assistant|>";

  /** One dataset's rows, formatted, with the {@code split} column kept for the writer. */
  public static Dataset<Row> format(String dataset, Dataset<Row> examples, DatasetOptions opts) {
    Dataset<Row> rows = examples.filter(col("dataset").equalTo(dataset));
    List<Column> cols = new ArrayList<>();
    cols.add(col("split"));
    cols.add(col("message_tree_id"));
    cols.add(col("lang"));
    Column turnIds = transform(col("turns"), f(t -> t.getField("message_id")));
    if (dataset.equals("rm_ranked")) {
      cols.add(element_at(turnIds, -1).as("parent_id"));
      cols.add(turnIds.as("prompt_message_ids"));
      cols.add(transform(col("replies"), f(r -> r.getField("message_id"))).as("completion_message_ids"));
      cols.add(transform(col("replies"), f(r -> r.getField("rank"))).as("completion_ranks"));
      if (opts.hasFormat("conversational")) {
        cols.add(conversation(col("turns")).as("prompt"));
        cols.add(transform(col("replies"), f(r -> array(assistantMessage(r)))).as("completions"));
      }
      if (opts.hasFormat("text")) {
        cols.add(text(col("turns"), opts.eos).as("prompt_text"));
        cols.add(transform(col("replies"), f(r -> assistantText(r, opts.eos))).as("completion_texts"));
      }
      if (opts.hasFormat("sharegpt")) {
        cols.add(sharegpt(col("turns")).as("conversations"));
        cols.add(transform(col("replies"), f(DatasetFormats::gptTurn)).as("sharegpt_completions"));
      }
    } else if (dataset.equals("rm_pairs")) {
      cols.add(element_at(turnIds, -1).as("parent_id"));
      cols.add(turnIds.as("prompt_message_ids"));
      cols.add(col("chosen.message_id").as("chosen_message_id"));
      cols.add(col("rejected.message_id").as("rejected_message_id"));
      cols.add(col("chosen.rank").as("chosen_rank"));
      cols.add(col("rejected.rank").as("rejected_rank"));
      cols.add(col("rejected.rank").minus(col("chosen.rank")).as("rank_margin"));
      if (opts.hasFormat("conversational")) {
        cols.add(conversation(col("turns")).as("prompt"));
        cols.add(array(assistantMessage(col("chosen"))).as("chosen"));
        cols.add(array(assistantMessage(col("rejected"))).as("rejected"));
      }
      if (opts.hasFormat("text")) {
        cols.add(text(col("turns"), opts.eos).as("prompt_text"));
        cols.add(assistantText(col("chosen"), opts.eos).as("chosen_text"));
        cols.add(assistantText(col("rejected"), opts.eos).as("rejected_text"));
      }
      if (opts.hasFormat("sharegpt")) {
        cols.add(sharegpt(col("turns")).as("conversations"));
        cols.add(gptTurn(col("chosen")).as("sharegpt_chosen"));
        cols.add(gptTurn(col("rejected")).as("sharegpt_rejected"));
      }
    } else {
      boolean rl = dataset.equals("rl_prompts");
      cols.add(turnIds.as("message_ids"));
      if (opts.hasFormat("conversational")) {
        cols.add(conversation(col("turns")).as(rl ? "prompt" : "messages"));
      }
      if (opts.hasFormat("text")) {
        // An RL prompt ends where the policy starts writing: after the assistant tag.
        Column text = text(col("turns"), opts.eos);
        cols.add((rl ? concat(text, lit(ASSISTANT_TAG)) : text).as("text"));
      }
      if (opts.hasFormat("sharegpt")) cols.add(sharegpt(col("turns")).as("conversations"));
    }
    return rows.select(cols.toArray(new Column[0]));
  }

  private static Function1<Column, Column> f(Function1<Column, Column> fn) {
    return fn;
  }

  private static Column isPrompter(Column turn) {
    return turn.getField("role").equalTo("prompter");
  }

  static Column conversation(Column turns) {
    return transform(
        turns,
        f(
            t ->
                struct(
                    when(isPrompter(t), lit("user")).otherwise(lit("assistant")).as("role"),
                    t.getField("content").as("content"))));
  }

  static Column sharegpt(Column turns) {
    return transform(
        turns,
        f(
            t ->
                struct(
                    when(isPrompter(t), lit("human")).otherwise(lit("gpt")).as("from"),
                    t.getField("content").as("value"))));
  }

  static Column text(Column turns, String eos) {
    return concat_ws(
        "",
        transform(
            turns,
            f(
                t ->
                    concat(
                        when(isPrompter(t), lit(PROMPTER_TAG)).otherwise(lit(ASSISTANT_TAG)),
                        t.getField("content"),
                        lit(eos)))));
  }

  private static Column assistantMessage(Column reply) {
    return struct(lit("assistant").as("role"), reply.getField("content").as("content"));
  }

  private static Column assistantText(Column reply, String eos) {
    return concat(lit(ASSISTANT_TAG), reply.getField("content"), lit(eos));
  }

  private static Column gptTurn(Column reply) {
    return struct(lit("gpt").as("from"), reply.getField("content").as("value"));
  }
}
