/** The registry's typed errors: callers map them to 404, 409 or a step's input error. */

/** A model or a version the registry does not hold. */
export class RegistryNotFoundError extends Error {
  constructor(
    message: string,
    readonly modelName: string,
    readonly version?: string,
  ) {
    super(message);
    this.name = 'RegistryNotFoundError';
  }
}

/** No version of `modelName` was ever registered. */
export class ModelNotFoundError extends RegistryNotFoundError {
  constructor(modelName: string) {
    super(`no model "${modelName}" in the registry`, modelName);
    this.name = 'ModelNotFoundError';
  }
}

/** `modelName` exists, `version` of it does not. */
export class ModelVersionNotFoundError extends RegistryNotFoundError {
  constructor(modelName: string, version: string) {
    super(`no version "${version}" of model "${modelName}" in the registry`, modelName, version);
    this.name = 'ModelVersionNotFoundError';
  }
}

/** Other writers kept changing the same document: the change was given up (retrying later is safe). */
export class RegistryConflictError extends Error {
  constructor(readonly key: string) {
    super(`${key} kept changing under concurrent registry updates; try again`);
    this.name = 'RegistryConflictError';
  }
}

/** A registry document that does not have the shape of the contract (written by hand, or by a broken writer). */
export class RegistryDocumentError extends Error {
  constructor(
    readonly key: string,
    problems: string,
  ) {
    super(`registry document ${key} is invalid: ${problems}`);
    this.name = 'RegistryDocumentError';
  }
}
