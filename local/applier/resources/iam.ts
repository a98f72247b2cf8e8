/** IAM resources on moto: with IAM enforcement on, the user's policy as synthesized is the policy in force. */
import {
  AttachRolePolicyCommand,
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  DetachRolePolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { ResourceHandler } from '../types';
import { optionalString, requireString, tagList, uniqueName } from './arguments';

export const iamUser: ResourceHandler = {
  locally: 'IAM user on moto',
  async create(address, config, { aws }) {
    const name = requireString(config, 'name', address);
    const { User } = await aws.iam.send(
      new CreateUserCommand({
        UserName: name,
        Path: optionalString(config, 'path') ?? '/',
        Tags: tagList(config.tags, address),
      }),
    );
    return { id: name, name, arn: User!.Arn!, unique_id: User!.UserId!, path: User!.Path ?? '/' };
  },
  async destroy(resource, { aws }) {
    await aws.iam.send(new DeleteUserCommand({ UserName: String(resource.attributes.name) }));
    return `deleted IAM user ${resource.attributes.name}`;
  },
};

export const iamUserPolicy: ResourceHandler = {
  locally: 'inline user policy on moto (enforced)',
  async create(address, config, { aws }) {
    const user = requireString(config, 'user', address);
    const name = requireString(config, 'name', address);
    await aws.iam.send(
      new PutUserPolicyCommand({
        UserName: user,
        PolicyName: name,
        PolicyDocument: requireString(config, 'policy', address),
      }),
    );
    return { id: `${user}:${name}` };
  },
  async destroy(resource, { aws }) {
    const { user, name } = resource.attributes;
    await aws.iam.send(new DeleteUserPolicyCommand({ UserName: String(user), PolicyName: String(name) }));
    return `deleted policy ${name} of user ${user}`;
  },
};

export const iamAccessKey: ResourceHandler = {
  locally: 'access key on moto',
  sensitive: ['secret', 'ses_smtp_password_v4'],
  async create(address, config, { aws }) {
    if (optionalString(config, 'pgp_key') !== undefined) {
      throw new Error(
        `${address}: pgp_key is set, so Terraform would only know the PGP-encrypted secret and no sink could ` +
          'use it. The local applier cannot decrypt it: synthesize the example without pgpKey for local runs.',
      );
    }
    const user = requireString(config, 'user', address);
    const { AccessKey } = await aws.iam.send(new CreateAccessKeyCommand({ UserName: user }));
    const status = optionalString(config, 'status') ?? 'Active';
    if (status !== 'Active') {
      await aws.iam.send(
        new UpdateAccessKeyCommand({
          UserName: user,
          AccessKeyId: AccessKey!.AccessKeyId!,
          Status: status as 'Active' | 'Inactive',
        }),
      );
    }
    return {
      id: AccessKey!.AccessKeyId!,
      secret: AccessKey!.SecretAccessKey!,
      status,
      create_date: (AccessKey!.CreateDate ?? new Date()).toISOString(),
    };
  },
  async destroy(resource, { aws }) {
    const { user, id } = resource.attributes;
    await aws.iam.send(new DeleteAccessKeyCommand({ UserName: String(user), AccessKeyId: String(id) }));
    return `deleted access key ${id} of user ${user}`;
  },
};

export const iamRole: ResourceHandler = {
  locally: 'IAM role on moto (not assumed locally)',
  async create(address, config, { aws }) {
    const name = optionalString(config, 'name') ?? uniqueName(optionalString(config, 'name_prefix'), 64);
    const { Role } = await aws.iam.send(
      new CreateRoleCommand({
        RoleName: name,
        Path: optionalString(config, 'path') ?? '/',
        Description: optionalString(config, 'description'),
        AssumeRolePolicyDocument: requireString(config, 'assume_role_policy', address),
        Tags: tagList(config.tags, address),
      }),
    );
    return { id: name, name, arn: Role!.Arn!, unique_id: Role!.RoleId! };
  },
  async destroy(resource, { aws }) {
    await aws.iam.send(new DeleteRoleCommand({ RoleName: String(resource.attributes.name) }));
    return `deleted IAM role ${resource.attributes.name}`;
  },
};

export const iamRolePolicy: ResourceHandler = {
  locally: 'inline role policy on moto',
  async create(address, config, { aws }) {
    const role = requireString(config, 'role', address);
    const name = requireString(config, 'name', address);
    await aws.iam.send(
      new PutRolePolicyCommand({
        RoleName: role,
        PolicyName: name,
        PolicyDocument: requireString(config, 'policy', address),
      }),
    );
    return { id: `${role}:${name}` };
  },
  async destroy(resource, { aws }) {
    const { role, name } = resource.attributes;
    await aws.iam.send(new DeleteRolePolicyCommand({ RoleName: String(role), PolicyName: String(name) }));
    return `deleted policy ${name} of role ${role}`;
  },
};

export const iamRolePolicyAttachment: ResourceHandler = {
  locally: 'managed policy attachment on moto',
  async create(address, config, { aws }) {
    const role = requireString(config, 'role', address);
    const policyArn = requireString(config, 'policy_arn', address);
    await aws.iam.send(new AttachRolePolicyCommand({ RoleName: role, PolicyArn: policyArn }));
    return { id: `${role}-${policyArn}` };
  },
  async destroy(resource, { aws }) {
    const { role, policy_arn: policyArn } = resource.attributes;
    await aws.iam.send(new DetachRolePolicyCommand({ RoleName: String(role), PolicyArn: String(policyArn) }));
    return `detached ${policyArn} from role ${role}`;
  },
};
