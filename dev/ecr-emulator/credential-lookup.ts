/** Temporary credentials an STS emulator issued, with the role session they belong to. */
export interface IssuedCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  /** The role the credentials were issued for, exactly as AssumeRole's `RoleArn` named it. */
  readonly roleArn: string;
  readonly roleSessionName: string;
  /** The principal AWS names in errors: `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`. */
  readonly assumedRoleArn: string;
  /** `AROA…:SESSION`, as AssumeRole answers it. */
  readonly assumedRoleId: string;
  /** When the credentials stop working (whole seconds). */
  readonly expiration: Date;
}

/**
 * Where the ECR emulator learns whose credentials signed a request: the STS emulator's
 * `CredentialRegistry` in-process, or `remoteCredentialLookup(stsUrl)` for an STS emulator in
 * another process. `undefined` means the access key id was never issued.
 */
export interface CredentialLookup {
  lookup(
    accessKeyId: string,
  ): IssuedCredentials | undefined | Promise<IssuedCredentials | undefined>;
}
