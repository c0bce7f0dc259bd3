import { applyDecorators } from '@nestjs/common';
import { ValidateBy, ValidateIf, type ValidationOptions } from 'class-validator';

/**
 * Length in Unicode code points: an emoji such as 🎉 is one character, not two as
 * `String.length` counts it, and it is the unit `varchar(n)` limits on PostgreSQL and MySQL,
 * so a value that passes always fits its column on every database.
 */
export function charCount(value: string): number {
  return [...value].length;
}

/** At most `max` characters (code points, see `charCount`). */
export function MaxChars(max: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'maxChars',
      constraints: [max],
      validator: {
        validate: (value) => typeof value === 'string' && charCount(value) <= max,
        defaultMessage: (args) => `${args?.property} must be at most ${max} characters`,
      },
    },
    options,
  );
}

/** At least `min` characters (code points, see `charCount`). */
export function MinChars(min: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'minChars',
      constraints: [min],
      validator: {
        validate: (value) => typeof value === 'string' && charCount(value) >= min,
        defaultMessage: (args) => `${args?.property} must be at least ${min} characters`,
      },
    },
    options,
  );
}

/** Not empty and not only whitespace. */
export function IsNotBlank(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isNotBlank',
      validator: {
        validate: (value) => typeof value === 'string' && value.trim().length > 0,
        defaultMessage: (args) => `${args?.property} must not be empty or only whitespace`,
      },
    },
    options,
  );
}

/**
 * Text every database stores and returns unchanged: no NUL (PostgreSQL rejects it) and no
 * unpaired UTF-16 surrogate (it cannot be encoded as UTF-8, so it would come back altered).
 */
export function IsStorableText(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStorableText',
      validator: {
        validate: (value) =>
          typeof value === 'string' && !value.includes('\0') && value.isWellFormed(),
        defaultMessage: (args) =>
          `${args?.property} must not contain NUL characters or unpaired surrogates`,
      },
    },
    options,
  );
}

/**
 * Applies property validators so that they run in the order listed. class-validator runs a
 * stack of decorators from the bottom up; with `stopAtFirstError` only the first failure is
 * reported, so "must be a string" has to come before the checks that assume a string.
 */
export function Checks(...validators: PropertyDecorator[]): PropertyDecorator {
  return applyDecorators(...validators);
}

/**
 * Optional in the sense of "may be left out": validation is skipped only when the property is
 * absent. Unlike `@IsOptional()`, a `null` is validated (and refused by `IsString()` and the
 * like) instead of reaching the service as if it were a value.
 */
export function IsAbsentOr(): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined);
}
