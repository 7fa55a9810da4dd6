/** A setup failure that says what failed and how to fix it; setup prints it without a stack trace. */
export class ToolError extends Error {
  override readonly name = 'ToolError';

  constructor(
    message: string,
    /** One sentence telling the developer what to do. */
    readonly fix: string,
  ) {
    super(`${message}\n  fix: ${fix}`);
  }
}
