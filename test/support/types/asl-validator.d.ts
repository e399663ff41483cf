// asl-validator ships no type declarations for its entry point.
declare module 'asl-validator' {
  const validator: (
    definition: unknown,
    options?: { checkPaths?: boolean; checkArn?: boolean },
  ) => { isValid: boolean; errors: unknown[] };
  export default validator;
}
