/** What the harness passes to the producer process (as one JSON argument). */
export interface ProducerArgs {
  dir: string;
  url: string;
  apiKey: string;
  speed: number;
  anchor: number;
  batch: number;
  /**
   * For a re-run after a kill: how far (wall ms of the replay's schedule) the dead run had got;
   * the re-run rushes through that part (see `replayClock`), as a re-run at full speed would.
   */
  skipMs?: number;
}
